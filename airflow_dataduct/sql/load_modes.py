"""SQL of the loads into existing tables: load-redshift's insert modes, load-postgres's
parameterised INSERT, delta-load's filter, and the catalog queries they need."""

from __future__ import annotations

import re

from airflow_dataduct.sql.identifiers import column_list, quote_ident, quote_literal, table_ref
from airflow_dataduct.tables.model import Table

LOAD_ROWS = "dataduct_load_rows"
"""The temporary table load-postgres copies the staged rows into."""
_INSERT_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|\(|\)|\bVALUES\b", re.I)


def numbered_placeholders(sql: str) -> str:
    """A JDBC-style ``?`` statement (Dataduct's ``insert_query``) with ``$1``, ``$2``, ... in
    place of each ``?`` outside quotes, for PostgreSQL's ``PREPARE`` (which infers their types).

    By hand (a regex over quoted strings): sqlparse and sqlglot both rewrite the statement."""
    count = 0

    def number(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(0) != "?":
            return match.group(0)
        count += 1
        return f"${count}"

    return _INSERT_TOKENS.sub(number, sql)


def placeholder_marks(sql: str) -> int:
    """How many ``?`` placeholders ``sql`` has outside quotes."""
    return sum(token.group(0) == "?" for token in _INSERT_TOKENS.finditer(sql))


def insert_select_sql(sql: str, source: str = LOAD_ROWS) -> str:
    """``INSERT INTO t (...) VALUES (e1, ..., eN) [...]`` as ``INSERT INTO t (...) SELECT e1,
    ..., eN FROM <source> [...]``, the k-th ``?`` becoming column ``ck`` of ``source``: the
    statement then runs once for every staged row. ValueError when it is not one ``VALUES``
    row holding every ``?``."""
    depth, values_at, group_start, marks = 0, -1, -1, []
    for token in _INSERT_TOKENS.finditer(sql):
        text = token.group(0)
        if text.upper() == "VALUES" and depth == 0 and values_at < 0:
            values_at = token.start()
        elif text == "(":
            right_after_values = values_at >= 0 and not sql[values_at + 6 : token.start()].strip()
            if right_after_values and group_start < 0:
                group_start = token.start()
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0 and group_start >= 0:
                return _select_from(sql, values_at, group_start, token.end(), marks, source)
        elif text == "?":
            if group_start < 0:
                raise ValueError("every ? must be inside the VALUES (...) row")
            marks.append(token.span())
    raise ValueError("expected INSERT INTO <table> [(columns)] VALUES (?, ...)")


def _select_from(
    sql: str, values_at: int, start: int, end: int, marks: list[tuple[int, int]], source: str
) -> str:
    rest = sql[end:]
    if rest.lstrip().startswith(","):
        raise ValueError("one VALUES row only: it is inserted once per staged row")
    if any(token.group(0) == "?" for token in _INSERT_TOKENS.finditer(rest)):
        raise ValueError("every ? must be inside the VALUES (...) row")
    row, cursor = [], start + 1
    for number, (mark_start, mark_end) in enumerate(marks, 1):
        row.append(sql[cursor:mark_start] + f"c{number}")
        cursor = mark_end
    row.append(sql[cursor : end - 1])
    return f"{sql[:values_at]}SELECT {''.join(row).strip()} FROM {source}{rest}"


def load_rows_table_sql(types: list[str]) -> str:
    """The temporary table of the staged rows: one column ``ck`` per ``?``, of the type
    PostgreSQL inferred for it; dropped at commit."""
    columns = ", ".join(f"c{i} {t}" for i, t in enumerate(types, 1))
    return f"CREATE TEMPORARY TABLE {LOAD_ROWS} ({columns}) ON COMMIT DROP"


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
    """delta-load's filter (docs/steps.md): source rows dated on or after the destination's latest
    date minus ``window`` days (1800-01-01 when the destination is empty). An interval, not
    Dataduct's ``- <n>``, so TIMESTAMP columns work as well as DATE ones."""
    column = quote_ident(date_column)
    return (
        f"WHERE {column} >= COALESCE((SELECT MAX({column}) FROM {table_ref(destination)}), "
        f"CAST('1800-01-01' AS DATE)) - INTERVAL '{int(window)} days'"
    )
