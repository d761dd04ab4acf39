"""COPY statements that read and write the staging interchange format in each dialect."""

from __future__ import annotations

import re
from dataclasses import dataclass

from airflow_dataduct.sql.identifiers import column_list, table_ref
from airflow_dataduct.sql.text import subquery
from airflow_dataduct.tables.model import Table


def redshift_literal(value: str) -> str:
    """A Redshift string literal: quotes doubled and backslashes escaped (Redshift reads
    backslash escapes inside literals)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def postgres_copy_from_stdin_sql(table: Table) -> str:
    """PostgreSQL's streaming load of interchange rows (text format: TAB, ``\\N``, backslash)."""
    return f"COPY {table_ref(table)} ({column_list(table.column_names)}) FROM STDIN"


def postgres_copy_to_stdout_sql(query: str) -> str:
    """PostgreSQL's streaming extract of a query's rows in text format."""
    return f"COPY {subquery(query)} TO STDOUT"


@dataclass(frozen=True)
class RedshiftCredentials:
    """How Redshift reads S3: an IAM role ARN, or keys taken from the AWS connection."""

    iam_role: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None

    def clause(self) -> str:
        if self.iam_role:
            return f"IAM_ROLE {redshift_literal(self.iam_role)}"
        if not (self.access_key_id and self.secret_access_key):
            raise ValueError("Redshift COPY needs an IAM role or AWS access keys")
        text = (
            f"aws_access_key_id={self.access_key_id};aws_secret_access_key={self.secret_access_key}"
        )
        if self.session_token:
            text += f";token={self.session_token}"
        return f"CREDENTIALS {redshift_literal(text)}"


REDSHIFT_FORMAT_OPTIONS = (
    "GZIP DELIMITER '\\t' ESCAPE NULL AS '\\\\N' "
    "TIMEFORMAT 'auto' DATEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF"
)
"""The interchange format in Redshift COPY terms. No TRUNCATECOLUMNS: a too-long value fails
the load instead of being cut silently."""


def redshift_copy_sql(table: Table, manifest_uri: str, credentials: RedshiftCredentials) -> str:
    """Redshift COPY of every staged part listed in a COPY manifest."""
    return (
        f"COPY {table_ref(table)} ({column_list(table.column_names)}) "
        f"FROM {redshift_literal(manifest_uri)} {credentials.clause()} MANIFEST "
        f"{REDSHIFT_FORMAT_OPTIONS}"
    )


def redshift_load_errors_sql(manifest_prefix: str, limit: int = 20) -> str:
    """The rows of ``stl_load_errors`` for files under ``manifest_prefix`` (failure report)."""
    prefix = re.sub(r"([\\%_])", r"\\\1", manifest_prefix.removeprefix("s3://"))
    pattern = redshift_literal(f"%{prefix}%")
    return (
        "SELECT starttime, filename, line_number, colname, type, raw_field_value, err_reason "
        f"FROM stl_load_errors WHERE filename LIKE {pattern} ORDER BY starttime DESC "
        f"LIMIT {int(limit)}"
    )
