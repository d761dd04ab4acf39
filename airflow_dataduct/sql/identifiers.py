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

POSTGRES_RESERVED = frozenset(
    """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast
    check collate column constraint create current_catalog current_date current_role
    current_time current_timestamp current_user default deferrable desc distinct do else end
    except false fetch for foreign freeze from full grant group having ilike in initially
    inner intersect into is isnull join lateral leading left like limit localtime
    localtimestamp natural not notnull null offset on only or order outer overlaps placing
    primary references returning right select session_user similar some symmetric system_user
    table tablesample then to trailing true union unique user using variadic verbose when where
    window with between collation concurrently cross current_schema interval
    """.split()
)
"""PostgreSQL's reserved (and reserved-as-function-or-type) key words."""

REDSHIFT_RESERVED = frozenset(
    """
    aes128 aes256 all allowoverwrite analyse analyze and any array as asc authorization az64
    backup between binary blanksasnull both bytedict bzip2 case cast check collate column
    connect constraint create credentials cross current_date current_time current_timestamp
    current_user current_user_id default deferrable deflate defrag delta delta32k desc disable
    distinct do else emptyasnull enable encode encrypt encryption end except explicit false for
    foreign freeze from full globaldict256 globaldict64k grant group gzip having identity
    ignore ilike in initially inner intersect interval into is isnull join language leading
    left like limit localtime localtimestamp lun luns lzo lzop minus mostly16 mostly32 mostly8
    natural new not notnull null nulls off offline offset oid old on only open or order outer
    overlaps parallel partition percent permissions pivot placing primary raw readratio recover
    references rejectlog resort respect restore right select session_user similar snapshot some
    start sysdate system table tag tdes text255 text32k then timestamp to top trailing true
    truncatecolumns union unique unnest unpivot user using verbose wallet when where with
    without
    """.split()
)
"""Redshift's reserved words (Database Developer Guide, r_pg_keywords: 159 words, START and
CONNECT among them, which the page advises quoting)."""

RESERVED = POSTGRES_RESERVED | REDSHIFT_RESERVED
"""Names always quoted, in both dialects: quoting a lower-case name changes nothing on either,
so one list serves both and SQL rendered for one dialect stays valid on the other."""


def catalog_name(name: str, dialect: Dialect) -> str:
    """``name`` as the warehouse catalog stores it. Redshift folds every identifier to lower
    case, quoted ones too (unless a session sets ``enable_case_sensitive_identifier``, which
    this project never does); PostgreSQL keeps quoted names as written."""
    return name.lower() if dialect is Dialect.REDSHIFT else name


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
