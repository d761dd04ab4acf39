"""column-check SQL (docs/steps.md): the source sample and the warehouse query for its keys.

The sampled keys are bound as query parameters (``%s`` placeholders, the paramstyle of
psycopg and redshift_connector), never pasted into the SQL as Python's ``str(tuple)``.
"""

from __future__ import annotations

import re

from airflow_dataduct.sql.identifiers import column_list, table_ref
from airflow_dataduct.sql.text import strip_statement, subquery
from airflow_dataduct.tables.model import Table

LIMIT_PLACEHOLDER = "LIMIT_PLACEHOLDER"
PRIMARY_KEY_SET = "PRIMARY_KEY_SET"
KEYS_PER_QUERY = 1_000
"""Sampled keys bound per warehouse query (PostgreSQL takes at most 65,535 parameters)."""

_LIMIT = re.compile(LIMIT_PLACEHOLDER, re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def source_sample_sql(source_sql: str, tail: str, sample_size: int) -> str:
    """``SELECT * FROM (<source_sql>) AS origin <tail>``, ``LIMIT_PLACEHOLDER`` (any case)
    replaced by ``sample_size``. An empty tail samples the first ``sample_size`` rows."""
    tail = strip_statement(tail) if tail else ""
    tail = _LIMIT.sub(str(int(sample_size)), tail) if tail else f"LIMIT {int(sample_size)}"
    return f"SELECT * FROM {subquery(source_sql)} AS origin {tail}"


def destination_table_sql(table: Table) -> str:
    """Key columns, then the other columns in definition order, of the sampled keys."""
    keys = column_list(table.primary_key)
    values = column_list([c.name for c in table.non_key_columns])
    target = keys if len(table.primary_key) == 1 else f"({keys})"
    return f"SELECT {keys}, {values} FROM {table_ref(table)} WHERE {target} IN {PRIMARY_KEY_SET}"


def keyed_destination_sql(destination_sql: str, key_count: int) -> str:
    """``destination_sql`` filtered on the sampled keys.

    With ``PRIMARY_KEY_SET`` in it, as written. Without (Dataduct then read the whole table),
    it is wrapped so the database filters: its columns are named positionally, the keys are
    every column but the last (Dataduct's rule).
    """
    if PRIMARY_KEY_SET in destination_sql:
        return destination_sql
    names = [f"dataduct_c{i}" for i in range(1, key_count + 2)]
    keys = ", ".join(names[:key_count])
    target = keys if key_count == 1 else f"({keys})"
    return (
        f"SELECT * FROM {subquery(destination_sql)} AS dataduct_destination ({', '.join(names)}) "
        f"WHERE {target} IN {PRIMARY_KEY_SET}"
    )


def key_set_sql(keys: int, key_columns: int) -> str:
    """Placeholders for ``keys`` key values: ``(%s, %s)`` or ``((%s, %s), (%s, %s))``."""
    if keys < 1:
        raise ValueError("at least one key is needed")
    if key_columns == 1:
        return "(" + ", ".join(["%s"] * keys) + ")"
    row = "(" + ", ".join(["%s"] * key_columns) + ")"
    return "(" + ", ".join([row] * keys) + ")"


def bind_key_set(destination_sql: str, keys: int, key_columns: int) -> str:
    """The destination SQL with ``PRIMARY_KEY_SET`` as placeholders; a literal ``%`` in the
    SQL is doubled, since the query runs with parameters."""
    escaped = strip_statement(destination_sql).replace("%", "%%")
    return escaped.replace(PRIMARY_KEY_SET, key_set_sql(keys, key_columns))


def select_item_count(sql: str) -> int:
    """How many items the outermost SELECT list of ``sql`` has."""
    return len(select_items(sql))


def select_items(sql: str) -> list[str]:
    """The items of the outermost SELECT list of ``sql`` (Dataduct's SELECT parser, docs/steps.md:
    split on commas outside parentheses and quotes; a leading ``WITH`` is skipped).

    Written by hand: sqlglot is not a run-time dependency, and it rejects the placeholder.
    """
    depth, i, start = 0, 0, -1
    items: list[str] = []
    text = strip_statement(sql)
    while i < len(text):
        char = text[i]
        if char in "'\"`":
            end = text.find(char, i + 1)
            i = len(text) if end < 0 else end + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif (
            depth == 0 and (word := _WORD.match(text, i)) and (i == 0 or not text[i - 1].isalnum())
        ):
            upper = word.group().upper()
            if upper == "SELECT" and start < 0:
                start = word.end()
            elif upper == "FROM" and start >= 0:
                return [*items, text[start:i].strip()]
            i = word.end()
            continue
        elif char == "," and depth == 0 and start >= 0:
            items.append(text[start:i].strip())
            start = i + 1
        i += 1
    return [*items, text[start:].strip()] if start >= 0 else []


def select_item_names(sql: str) -> list[str]:
    """Dataduct's column names of a SELECT: the last word of each item, ``t.`` prefix dropped."""
    names = []
    for item in select_items(sql):
        words = re.findall(r"[A-Za-z0-9_$.`\"*]+", item)
        names.append(words[-1].split(".")[-1].strip('`"') if words else item)
    return names


_CONCAT_ITEM = "COALESCE(CONCAT({}, ''), '')"


def dataduct_destination_sql(table: Table) -> str:
    """Dataduct's column-check destination query of a table definition (docs/steps.md): the key
    columns, then the other columns concatenated, for ``PRIMARY_KEY_SET``; as its check
    program received it."""
    keys = ",".join(table.primary_key)
    merged = "||".join(_CONCAT_ITEM.format(c.name) for c in table.non_key_columns)
    return f"SELECT {keys}, ( {merged} ) FROM {table.full_name} WHERE ({keys}) IN {PRIMARY_KEY_SET}"


def dataduct_source_sql(source_sql: str, key_positions: list[int], tail: str) -> str:
    """Dataduct's column-check source query (docs/steps.md): the key columns at the destination's
    key positions, the others concatenated as ``merged_string``, then the tail."""
    names = select_item_names(source_sql)
    if len(names) <= len(key_positions):
        raise ValueError("source_sql has no column besides the primary key columns")
    keys = ",".join(names[i] for i in key_positions)
    merged = ",".join(_CONCAT_ITEM.format(n) for i, n in enumerate(names) if i not in key_positions)
    query = (
        f"SELECT {keys}, CONCAT({merged}) AS merged_string FROM {subquery(source_sql)} AS origin"
    )
    return f"{query} {strip_statement(tail)}".rstrip() if tail else query
