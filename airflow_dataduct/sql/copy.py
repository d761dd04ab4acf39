"""COPY statements that read and write the staging interchange format in each dialect."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from airflow_dataduct.sql.identifiers import column_list, table_ref
from airflow_dataduct.sql.text import subquery
from airflow_dataduct.tables.model import BINARY_TYPES, Table


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
    region: str | None = None
    """The bucket's region (``REGION``), when it differs from the cluster's."""

    def clause(self) -> str:
        """The authorization clause, then ``REGION`` when one is set."""
        region = f" REGION {redshift_literal(self.region)}" if self.region else ""
        return self._authorization() + region

    def _authorization(self) -> str:
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
    binary = [c.name for c in table.columns if c.data_type.split("(")[0].upper() in BINARY_TYPES]
    if binary:
        raise ValueError(
            f"{table.full_name}: VARBYTE column(s) {', '.join(binary)} cannot be loaded by "
            "Redshift COPY from the staged text format (Redshift reads VARBYTE from CSV, "
            "Parquet or ORC only)"
        )
    clause = (options or CopyOptions()).clause()
    if table.has_identity:  # copy-parameters-column-mapping: an IDENTITY column listed needs it
        clause += " EXPLICIT_IDS"
    return (
        f"COPY {table_ref(table)} ({column_list(table.column_names)}) "
        f"FROM {redshift_literal(source_uri)} {credentials.clause()}"
        + (" MANIFEST " if manifest else " ")
        + clause
    )


def _file_match(column: str, locations: Sequence[str]) -> str:
    """``column`` names a file under any of ``locations`` (LIKE, wildcards escaped)."""
    tests = []
    for location in locations:
        text = re.sub(r"([\\%_])", r"\\\1", location.removeprefix("s3://"))
        tests.append(f"{column} LIKE {redshift_literal(f'%{text}%')}")
    return "(" + " OR ".join(tests) + ")"


def redshift_load_errors_sql(locations: Sequence[str], limit: int = 20) -> list[tuple[str, str]]:
    """(view, query) pairs reading the rejected rows of files under ``locations`` (the staged
    prefix, and the files themselves for ``input_path`` data): STL_LOAD_ERRORS for provisioned
    clusters, SYS_LOAD_ERROR_DETAIL for Serverless and concurrency scaling (r_STL_LOAD_ERRORS).
    """
    limit = int(limit)
    return [
        (
            "stl_load_errors",
            "SELECT starttime, filename, line_number, colname, type, raw_field_value, "
            f"err_reason FROM stl_load_errors WHERE {_file_match('filename', locations)} "
            f"ORDER BY starttime DESC LIMIT {limit}",
        ),
        (
            "sys_load_error_detail",
            "SELECT start_time, file_name, line_number, column_name, column_type, "
            "error_message, raw_field_value FROM sys_load_error_detail "
            f"WHERE {_file_match('file_name', locations)} ORDER BY start_time DESC LIMIT {limit}",
        ),
    ]
