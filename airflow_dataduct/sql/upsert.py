"""Dataduct's upsert and reload (docs/steps.md) as one list of statements.

Differences from Dataduct, on purpose:

* Duplicate keys in the source are resolved by a documented, deterministic rule instead of
  Dataduct's arbitrary pick (``ORDER BY 1``): among source rows sharing a primary key, the one
  kept is the greatest by its non-key columns compared left to right in definition order,
  NULL lowest. Identical duplicates collapse to one row.
* The source columns are mapped to the destination positionally, as in Dataduct, but by
  explicit column lists, so the SQL shows which source column lands where.
* The staging table is dropped in the same transaction.

The source is a table definition, or a SELECT (``sql``/``script`` keys) staged positionally as
``SELECT * FROM (<select>) AS dataduct_source [filter_clause]``. With ``history``, the
type-2 history statements of :mod:`airflow_dataduct.sql.history` follow in the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_dataduct.sql.ddl import column_type
from airflow_dataduct.sql.history import history_statements
from airflow_dataduct.sql.identifiers import Dialect, column_list, quote_ident, table_ref
from airflow_dataduct.sql.text import subquery
from airflow_dataduct.tables.model import Table


@dataclass(frozen=True)
class UpsertOptions:
    """The upsert keys of a step (Dataduct defaults)."""

    enforce_primary_key: bool = True
    delete_existing: bool = False
    filter_clause: str | None = None
    history: Table | None = None
    """A history table (docs/steps.md) brought up to date after the upsert."""


def staging_table_name(destination: Table) -> str:
    """Dataduct's temporary table name: ``<destination table>_temp``."""
    return quote_ident(f"{destination.name}_temp")


def create_staging_sql(destination: Table, dialect: Dialect) -> str:
    """A temporary table with the destination's columns and types (lengths kept)."""
    columns = ", ".join(
        f"{quote_ident(c.name)} {column_type(c.data_type, dialect)}" for c in destination.columns
    )
    return f"CREATE TEMPORARY TABLE {staging_table_name(destination)} ({columns})"


def fill_staging_sql(source: Table | str, destination: Table, filter_clause: str | None) -> str:
    """Copy the source rows into the staging table, column by column in position order."""
    tail = f" {filter_clause.strip()}" if filter_clause else ""
    if isinstance(source, str):
        return (
            f"INSERT INTO {staging_table_name(destination)} "
            f"SELECT * FROM {subquery(source)} AS dataduct_source{tail}"
        )
    if len(source.columns) > len(destination.columns):
        raise ValueError(
            f"source {source.full_name} has {len(source.columns)} columns, more than the "
            f"{len(destination.columns)} of destination {destination.full_name}"
        )
    targets = destination.column_names[: len(source.columns)]
    return (
        f"INSERT INTO {staging_table_name(destination)} ({column_list(targets)}) "
        f"SELECT {column_list(source.column_names)} FROM {table_ref(source)}{tail}"
    )


def delete_matching_sql(destination: Table, delete_existing: bool) -> str:
    """Remove the destination rows the staging rows replace (all of them for a reload)."""
    if delete_existing:
        return f"DELETE FROM {table_ref(destination)}"
    if not destination.primary_key:
        raise ValueError(f"destination {destination.full_name} has no primary key to match on")
    stage = staging_table_name(destination)
    match = " AND ".join(
        f"{table_ref(destination)}.{quote_ident(k)} = {stage}.{quote_ident(k)}"
        for k in destination.primary_key
    )
    return f"DELETE FROM {table_ref(destination)} USING {stage} WHERE {match}"


def insert_staged_sql(destination: Table, enforce_primary_key: bool) -> str:
    """Insert the staged rows, one per primary key when the key is enforced."""
    stage = staging_table_name(destination)
    columns = column_list(destination.column_names)
    target = f"INSERT INTO {table_ref(destination)} ({columns}) "
    if not (enforce_primary_key and destination.primary_key):
        return target + f"SELECT {columns} FROM {stage}"
    order = ", ".join(f"{quote_ident(c.name)} DESC NULLS LAST" for c in destination.non_key_columns)
    ranking = (
        f"ROW_NUMBER() OVER (PARTITION BY {column_list(destination.primary_key)}"
        + (f" ORDER BY {order}" if order else "")
        + ") AS dataduct_row"
    )
    return (
        target
        + f"SELECT {columns} FROM (SELECT {columns}, {ranking} FROM {stage}) AS ranked "
        + "WHERE dataduct_row = 1"
    )


def upsert_statements(
    source: Table | str, destination: Table, options: UpsertOptions, dialect: Dialect
) -> list[str]:
    """Every statement of an upsert (or, with ``delete_existing``, a reload), in order.

    Run them in one transaction: readers see the destination before or after, never between.
    """
    statements = [
        create_staging_sql(destination, dialect),
        fill_staging_sql(source, destination, options.filter_clause),
        delete_matching_sql(destination, options.delete_existing),
        insert_staged_sql(destination, options.enforce_primary_key),
        f"DROP TABLE IF EXISTS {staging_table_name(destination)}",
    ]
    if options.history is not None:
        statements += history_statements(options.history, destination, dialect)
    return statements
