"""What the Redshift-facing operators share: the COPY/UNLOAD credentials, and what their
Redshift-only COPY options mean on the PostgreSQL stand-in."""

from __future__ import annotations

import logging

from airflow_dataduct.errors import StepFailed
from airflow_dataduct.sql.copy import CopyOptions, RedshiftCredentials

log = logging.getLogger(__name__)


def redshift_credentials(iam_role: str | None, aws_conn_id: str) -> RedshiftCredentials:
    """The configured IAM role, else the AWS connection's keys (resolved where the task runs)."""
    if iam_role:
        return RedshiftCredentials(iam_role=iam_role)
    from airflow.providers.amazon.aws.hooks.base_aws import (
        AwsBaseHook,  # deferred: start-up time
    )

    creds = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="s3").get_credentials()
    return RedshiftCredentials(
        access_key_id=creds.access_key,
        secret_access_key=creds.secret_key,
        session_token=creds.token,
    )


def redacted_credentials(iam_role: str | None) -> RedshiftCredentials:
    """What the rendered templates show: the role, or a placeholder for the keys."""
    return RedshiftCredentials(iam_role=iam_role or "<from connection>")


def check_postgres_copy_options(options: CopyOptions | None, task_id: str, step_type: str) -> None:
    """PostgreSQL reads the staged text format itself: Redshift-only COPY options that change
    how the files are read fail the step; ``MAXERROR``/``ACCEPTINVCHARS`` are logged and
    skipped (the PostgreSQL load stays strict)."""
    if options is None:
        return
    if options.command_options is not None or not options.escape:
        raise StepFailed(
            task_id,
            step_type,
            "--command_options and --no_escape change how Redshift reads the files; the "
            "PostgreSQL warehouse reads the staged format as written (remove them to load here)",
        )
    if options.max_errors or options.replace_invalid_char is not None:
        log.info("MAXERROR / ACCEPTINVCHARS are Redshift COPY options: not used by PostgreSQL")
