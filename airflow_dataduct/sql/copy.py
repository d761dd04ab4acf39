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


REDSHIFT_COMPRESSION = {"gzip": "GZIP", "bzip2": "BZIP2", "lzo": "LZOP", "none": ""}
"""Staged file compression to its Redshift COPY keyword (Dataduct's ``compression`` values)."""


@dataclass(frozen=True)
class CopyOptions:
    """Redshift COPY options beyond the interchange format (load-redshift's keys, docs/steps.md)."""

    compression: str = "gzip"
    max_errors: int = 0
    """``MAXERROR``: rows Redshift may reject before the COPY fails (0: none)."""
    replace_invalid_char: str | None = None
    """``ACCEPTINVCHARS AS '<c>'``: replace invalid UTF-8 with this character."""
    truncate_columns: bool = False
    """``TRUNCATECOLUMNS``: cut over-long values (Dataduct's default; off here unless asked)."""
    null_as: str = "\\N"
    """The NULL marker of the staged files: ``\\N`` (interchange) or ``NULL`` (Dataduct TSV)."""
    escape: bool = True
    """``ESCAPE``: backslashes in the files escape tabs, newlines and themselves."""
    command_options: str | None = None
    """Dataduct's ``--command_options``: the format options text, replacing all of the above
    (after ``COMPUPDATE OFF STATUPDATE OFF``, as Dataduct's load runner wrote it)."""

    def clause(self) -> str:
        """The options after the credentials, starting with the interchange format."""
        if self.command_options is not None:
            return f"COMPUPDATE OFF STATUPDATE OFF {self.command_options}"
        if self.compression not in REDSHIFT_COMPRESSION:
            raise ValueError(f"unknown compression {self.compression!r}")
        text = REDSHIFT_COMPRESSION[self.compression] + REDSHIFT_FORMAT_OPTIONS.removeprefix("GZIP")
        text = text.strip().replace("NULL AS '\\\\N'", f"NULL AS {redshift_literal(self.null_as)}")
        if not self.escape:
            text = text.replace(" ESCAPE ", " ")
        if self.max_errors:
            text += f" MAXERROR {int(self.max_errors)}"
        if self.replace_invalid_char is not None:
            text += f" ACCEPTINVCHARS AS {redshift_literal(self.replace_invalid_char)}"
        if self.truncate_columns:
            text += " TRUNCATECOLUMNS"
        return text


def redshift_copy_sql(
    table: Table,
    source_uri: str,
    credentials: RedshiftCredentials,
    options: CopyOptions | None = None,
    manifest: bool = True,
) -> str:
    """Redshift COPY of every staged part listed in a COPY manifest (or, with
    ``manifest=False``, of every object under the prefix ``source_uri``)."""
    clause = (options or CopyOptions()).clause()
    return (
        f"COPY {table_ref(table)} ({column_list(table.column_names)}) "
        f"FROM {redshift_literal(source_uri)} {credentials.clause()}"
        + (" MANIFEST " if manifest else " ")
        + clause
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
