"""Dataduct's history table, a type-2 slowly changing dimension (docs/steps.md).

After an upsert, the history table gets one row per version of each destination row:
``effective_ts`` and ``expiration_ts`` first, then the destination's columns. A current
version has ``expiration_ts = '9999-12-31 23:59:59.999999'``. Run in the upsert's
transaction, so both timestamps are the transaction's start.

Differences from Dataduct, on purpose: a row whose value changed from or to NULL counts as
changed (a plain ``<>`` misses it), deleted keys are found with ``NOT EXISTS`` (``NOT IN``
matches nothing when a key is NULL), and columns are matched by name, not position.
"""

from __future__ import annotations

from airflow_dataduct.sql.ddl import column_type
from airflow_dataduct.sql.identifiers import Dialect, column_list, quote_ident, table_ref
from airflow_dataduct.tables.model import Table

EFFECTIVE = "effective_ts"
EXPIRATION = "expiration_ts"
CURRENT = "'9999-12-31 23:59:59.999999'"
"""The expiration timestamp of current versions (Dataduct's)."""


def history_problems(history: Table, destination: Table) -> list[str]:
    """Why ``history`` cannot record ``destination``'s versions (empty when it can)."""
    problems = []
    expected = (EFFECTIVE, EXPIRATION, *destination.column_names)
    if history.column_names != expected:
        problems.append(
            f"history table {history.full_name} must have the columns "
            f"({', '.join(expected)}) in that order, found ({', '.join(history.column_names)})"
        )
    if not destination.primary_key:
        problems.append(f"destination {destination.full_name} needs a primary key for history")
    elif not destination.non_key_columns:
        problems.append(
            f"destination {destination.full_name} needs a column outside its primary key "
            "for history"
        )
    return problems


def _now(dialect: Dialect) -> str:
    """The transaction's start as a UTC TIMESTAMP (Redshift's SYSDATE)."""
    return "SYSDATE" if dialect is Dialect.REDSHIFT else "(now() AT TIME ZONE 'UTC')"


def history_temp_name(destination: Table) -> str:
    return quote_ident(f"{destination.name}_history_temp")


def _key_match(left: str, right: str, destination: Table) -> str:
    return " AND ".join(
        f"{left}.{quote_ident(k)} = {right}.{quote_ident(k)}" for k in destination.primary_key
    )


def _changed(left: str, right: str, destination: Table) -> str:
    """Null-safe 'some non-key column differs' (Redshift has no IS DISTINCT FROM)."""
    tests = []
    for column in destination.non_key_columns:
        a, b = f"{left}.{quote_ident(column.name)}", f"{right}.{quote_ident(column.name)}"
        tests.append(f"NOT (COALESCE({a} = {b}, FALSE) OR ({a} IS NULL AND {b} IS NULL))")
    return "(" + " OR ".join(tests) + ")"


def history_statements(history: Table, destination: Table, dialect: Dialect) -> list[str]:
    """The statements that bring ``history`` up to date with ``destination`` (post-upsert)."""
    problems = history_problems(history, destination)
    if problems:
        raise ValueError("; ".join(problems))
    hist, dest, temp = table_ref(history), table_ref(destination), history_temp_name(destination)
    columns = column_list(destination.column_names)
    now = _now(dialect)
    expire = f"UPDATE {hist} AS h SET {EXPIRATION} = {now} - INTERVAL '0.000001 seconds'"
    current = f"h.{EXPIRATION} = {CURRENT}"
    column_defs = ", ".join(
        f"{quote_ident(c.name)} {column_type(c.data_type, dialect)}" for c in destination.columns
    )
    return [
        f"CREATE TEMPORARY TABLE {temp} ({column_defs})",
        f"INSERT INTO {temp} ({columns}) SELECT {columns} FROM {dest}",
        f"{expire} FROM {dest} AS d WHERE {_key_match('h', 'd', destination)} "
        f"AND {_changed('h', 'd', destination)} AND {current}",
        f"{expire} WHERE {current} AND NOT EXISTS "
        f"(SELECT 1 FROM {dest} AS d WHERE {_key_match('d', 'h', destination)})",
        f"DELETE FROM {temp} USING {hist} AS h WHERE {_key_match(temp, 'h', destination)} "
        f"AND {current}",
        f"INSERT INTO {hist} ({EFFECTIVE}, {EXPIRATION}, {columns}) "
        f"SELECT {now}, CAST({CURRENT} AS TIMESTAMP), {columns} FROM {temp}",
        f"DROP TABLE IF EXISTS {temp}",
    ]
