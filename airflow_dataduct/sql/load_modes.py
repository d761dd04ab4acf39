"""SQL of the loads into existing tables: load-redshift's insert modes, load-postgres's
parameterised INSERT, delta-load's filter, and the catalog queries they need."""

from __future__ import annotations

import re

from airflow_dataduct.sql.identifiers import column_list, quote_ident, quote_literal, table_ref
from airflow_dataduct.tables.model import Table

_QUOTED_OR_MARK = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%")


def qmark_to_format(sql: str) -> str:
    """A JDBC-style ``?`` statement (Dataduct's ``insert_query``) in psycopg's ``%s`` style:
    each ``?`` outside quotes becomes ``%s``, and each literal ``%`` is doubled.

    By hand (a regex over quoted strings): sqlparse and sqlglot both rewrite the statement."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        return token.replace("%", "%%") if token == "%" or token[0] in "'\"" else token

    return _QUOTED_OR_MARK.sub(replace, sql)


def primary_key_columns_sql(schema: str, table: str) -> str:
    """The primary key columns of an existing table, in key order (both dialects)."""
    return (
        "SELECT kcu.column_name FROM information_schema.table_constraints AS tc "
        "JOIN information_schema.key_column_usage AS kcu "
        "ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema "
        "AND kcu.table_name = tc.table_name "
        f"WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = {quote_literal(schema)} "
        f"AND tc.table_name = {quote_literal(table)} ORDER BY kcu.ordinal_position"
    )


def load_temp_table(target: Table) -> Table:
    """The temporary table a merge load copies into: the target's columns, no schema."""
    return Table(schema=None, name=f"{target.name}_load_temp", columns=target.columns)


def create_load_temp_sql(target: Table) -> str:
    """``CREATE TEMPORARY TABLE <t>_load_temp (LIKE <t>)`` (both dialects)."""
    return f"CREATE TEMPORARY TABLE {table_ref(load_temp_table(target))} (LIKE {table_ref(target)})"


def _key_match(target: Table, temp: Table) -> str:
    return " AND ".join(
        f"{table_ref(target)}.{quote_ident(k)} = {table_ref(temp)}.{quote_ident(k)}"
        for k in target.primary_key
    )


def merge_statements(target: Table, insert_mode: str) -> list[str]:
    """After the COPY into the temporary table: the statements of a merging insert mode.

    ``KEEP_EXISTING`` adds only rows whose key is new; ``OVERWRITE_EXISTING`` replaces the rows
    whose key is staged and adds the rest (Data Pipeline's RedshiftCopyActivity modes).
    """
    if not target.primary_key:
        raise ValueError(f"{insert_mode} needs a primary key on {target.full_name}")
    temp = load_temp_table(target)
    columns = column_list(target.column_names)
    insert = f"INSERT INTO {table_ref(target)} ({columns}) SELECT {columns} FROM {table_ref(temp)}"
    statements = []
    if insert_mode == "OVERWRITE_EXISTING":
        statements.append(
            f"DELETE FROM {table_ref(target)} USING {table_ref(temp)} "
            f"WHERE {_key_match(target, temp)}"
        )
    elif insert_mode == "KEEP_EXISTING":
        insert += (
            f" WHERE NOT EXISTS (SELECT 1 FROM {table_ref(target)} WHERE "
            f"{_key_match(target, temp)})"
        )
    else:
        raise ValueError(f"insert_mode {insert_mode} does not merge")
    statements += [insert, f"DROP TABLE IF EXISTS {table_ref(temp)}"]
    return statements


def delta_filter_clause(destination: Table, date_column: str, window: int) -> str:
    """delta-load's filter (spec §3.12): source rows dated on or after the destination's latest
    date minus ``window`` days (1800-01-01 when the destination is empty). An interval, not
    Dataduct's ``- <n>``, so TIMESTAMP columns work as well as DATE ones."""
    column = quote_ident(date_column)
    return (
        f"WHERE {column} >= COALESCE((SELECT MAX({column}) FROM {table_ref(destination)}), "
        f"CAST('1800-01-01' AS DATE)) - INTERVAL '{int(window)} days'"
    )
