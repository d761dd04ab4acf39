"""Redshift UNLOAD of a table into the staging interchange format (extract-redshift)."""

from __future__ import annotations

from airflow_dataduct.sql.copy import RedshiftCredentials, redshift_literal
from airflow_dataduct.sql.identifiers import quote_ident

REDSHIFT_UNLOAD_OPTIONS = (
    "MANIFEST VERBOSE GZIP DELIMITER '\\t' ESCAPE NULL AS '\\\\N' ALLOWOVERWRITE PARALLEL ON"
)
"""The interchange format in UNLOAD terms; ``MANIFEST VERBOSE`` lists every file written with
its row count and the column names, from which the staging manifest is made."""


def select_table_sql(schema: str, table: str) -> str:
    """The query an extract-redshift runs: the whole table, as Dataduct's UNLOAD did."""
    return f"SELECT * FROM {quote_ident(schema)}.{quote_ident(table)}"


def redshift_unload_sql(query: str, target_prefix: str, credentials: RedshiftCredentials) -> str:
    """UNLOAD ``query`` into files named ``<target_prefix>0000_part_00.gz``, ... and the
    manifest ``<target_prefix>manifest``."""
    return (
        f"UNLOAD ({redshift_literal(query)}) TO {redshift_literal(target_prefix)} "
        f"{credentials.clause()} {REDSHIFT_UNLOAD_OPTIONS}"
    )
