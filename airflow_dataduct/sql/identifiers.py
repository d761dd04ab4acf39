"""SQL dialects and identifier quoting: every name from YAML or a table file is quoted here."""

from __future__ import annotations

import enum
import re

from airflow_dataduct.tables.model import Table


class Dialect(str, enum.Enum):
    """The warehouse SQL dialects; the warehouse connection's type picks one."""

    POSTGRES = "postgres"
    REDSHIFT = "redshift"


_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")

RESERVED = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast
    check collate column constraint create current_catalog current_date current_role
    current_time current_timestamp current_user default deferrable delta delta32k desc
    disable distinct do else enable encode encrypt encryption end except false fetch for
    foreign freeze from full grant group having identity ignore ilike in initially inner
    intersect into is isnull join lateral leading left like limit localtime localtimestamp
    natural new not notnull null off offline offset oid old on only open or order outer
    overlaps parallel partition percent permissions pivot placing primary raw references
    respect returning right select session_user similar snapshot some symmetric sysdate
    system table tag then timestamp to top trailing true union unique unnest user using
    variadic verbose when where window with without between collation concurrently cross
    current_schema interval language minus nulls tablesample
    """.split()
)
"""PostgreSQL's reserved words plus Redshift's extra ones: such names are always quoted."""


def quote_ident(name: str) -> str:
    """``name`` as a SQL identifier, double-quoted unless it is plain lower case and unreserved."""
    if "\x00" in name:
        raise ValueError("an identifier cannot contain a NUL character")
    if _PLAIN.fullmatch(name) and name not in RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_qualified(name: str) -> str:
    """A dotted ``schema.table`` name from YAML, each part quoted."""
    return ".".join(quote_ident(part) for part in name.split("."))


def table_ref(table: Table) -> str:
    """The quoted, schema-qualified name of ``table``."""
    if table.schema:
        return f"{quote_ident(table.schema)}.{quote_ident(table.name)}"
    return quote_ident(table.name)


def column_list(names: tuple[str, ...] | list[str], alias: str | None = None) -> str:
    """``a, b, c`` quoted, optionally qualified by ``alias``."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + quote_ident(n) for n in names)


def quote_literal(value: str) -> str:
    """A single-quoted SQL string literal (standard quoting, no backslash escapes)."""
    return "'" + value.replace("'", "''") + "'"
