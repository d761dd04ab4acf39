"""What the Redshift-facing operators share: the COPY/UNLOAD credentials."""

from __future__ import annotations

from airflow_dataduct.sql.copy import RedshiftCredentials


def redshift_credentials(iam_role: str | None, aws_conn_id: str) -> RedshiftCredentials:
    """The configured IAM role, else the AWS connection's keys (resolved where the task runs)."""
    if iam_role:
        return RedshiftCredentials(iam_role=iam_role)
    from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

    creds = AwsBaseHook(aws_conn_id=aws_conn_id, client_type="s3").get_credentials()
    return RedshiftCredentials(
        access_key_id=creds.access_key,
        secret_access_key=creds.secret_key,
        session_token=creds.token,
    )


def redacted_credentials(iam_role: str | None) -> RedshiftCredentials:
    """What the rendered templates show: the role, or a placeholder for the keys."""
    return RedshiftCredentials(iam_role=iam_role or "<from connection>")
