"""DDL for a table model: CREATE TABLE in either dialect, and the catalog queries around it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.sql.identifiers import (
    Dialect,
    catalog_name,
    quote_ident,
    quote_literal,
    table_ref,
)
from airflow_dataduct.tables.model import Column, Table

_POSTGRES_TYPES = {
    "NVARCHAR": "VARCHAR",
    "NCHAR": "CHAR",
    "BPCHAR": "CHAR",
    "VARBINARY": "BYTEA",
    "BINARY VARYING": "BYTEA",
    "GEOGRAPHY": "TEXT",
    "FLOAT8": "DOUBLE PRECISION",
    "FLOAT4": "REAL",
    "SUPER": "JSONB",
    "VARBYTE": "BYTEA",
    "HLLSKETCH": "TEXT",
    "GEOMETRY": "TEXT",
    "BOOL": "BOOLEAN",
}


def postgres_type(data_type: str) -> str:
    """The PostgreSQL spelling of a Redshift column type."""
    match = re.match(r"^([A-Z0-9 ]+?)\s*(\(.*\))?$", data_type.upper())
    if not match:
        return data_type
    base, args = match.group(1), match.group(2) or ""
    if args.replace(" ", "") == "(MAX)":
        args = ""
    if base in ("VARBYTE", "VARBINARY", "BINARY VARYING"):
        args = ""
    if base == "BPCHAR" and not args:
        args = "(256)"  # Redshift's BPCHAR is CHAR(256); PostgreSQL's bare CHAR is CHAR(1)
    return _POSTGRES_TYPES.get(base, base) + args


def column_type(data_type: str, dialect: Dialect) -> str:
    """A definition's column type as the dialect spells it."""
    return postgres_type(data_type) if dialect is Dialect.POSTGRES else data_type


def _postgres_default(expression: str) -> str:
    """Redshift-only default functions, in PostgreSQL terms."""
    return re.sub(r"(?i)\bgetdate\s*\(\s*\)|\bsysdate\b", "now()", expression)


def _identity_options(seed: int, step: int) -> str:
    """PostgreSQL sequence options for Redshift's ``IDENTITY(seed, step)`` (any seed, any sign)."""
    bound = f"MINVALUE {min(seed, 1)}" if step > 0 else f"MAXVALUE {max(seed, -1)}"
    return f"START WITH {seed} INCREMENT BY {step} {bound}"


def _postgres_column(column: Column, primary_key: tuple[str, ...]) -> str:
    parts = [quote_ident(column.name), postgres_type(column.data_type)]
    if column.identity is not None:
        seed, step = column.identity
        # a plain IDENTITY refuses explicit INSERT values on Redshift: GENERATED ALWAYS does too
        kind = "BY DEFAULT" if column.identity_by_default else "ALWAYS"
        parts.append(f"GENERATED {kind} AS IDENTITY ({_identity_options(seed, step)})")
    elif column.default is not None:
        parts.append(f"DEFAULT {_postgres_default(column.default)}")
    if not column.nullable or column.name in primary_key:
        parts.append("NOT NULL")
    parts += _byte_length_checks(column)
    return " ".join(parts)


_LENGTH = re.compile(r"^(N?VARCHAR|CHARACTER VARYING|N?CHAR|CHARACTER|BPCHAR)\s*\(\s*(\d+)\s*\)$")


def _byte_length_checks(column: Column) -> list[str]:
    """Redshift's text lengths on the stand-in: VARCHAR(n) and CHAR(n) hold n UTF-8 *bytes*,
    and CHAR single-byte characters only (t_preparing-input-data); PostgreSQL counts
    characters, so CHECK constraints add the byte rules."""
    match = _LENGTH.match(column.data_type.upper())
    if not match:
        return []
    name = quote_ident(column.name)
    if "VAR" in match.group(1):
        return [f"CHECK (octet_length({name}) <= {int(match.group(2))})"]
    text = f"CAST({name} AS TEXT)"  # bpchar's octet_length counts its padding
    return [f"CHECK (octet_length({text}) = char_length({text}))"]


_CREATE_TABLE = re.compile(r"(?is)^(CREATE\s+(?:(?:LOCAL\s+)?(?:TEMPORARY|TEMP)\s+)?TABLE)\s+")


def create_table_sql(table: Table, dialect: Dialect, if_not_exists: bool = False) -> str:
    """CREATE TABLE for ``table``.

    Redshift gets the definition as written (``IF NOT EXISTS`` added on request). PostgreSQL,
    the local warehouse stand-in, gets one generated from the model: Redshift-only
    attributes (ENCODE, DISTKEY, SORTKEY) are dropped, and the primary key is not declared,
    because Redshift does not enforce one either; primary-key-check finds duplicates in both.
    """
    if dialect is Dialect.REDSHIFT:
        sql = table.source_sql.strip().rstrip(";")
        if if_not_exists and not re.search(r"(?i)^\S+\s+\S*\s*TABLE\s+IF\s+NOT\s+EXISTS", sql):
            sql = _CREATE_TABLE.sub(r"\1 IF NOT EXISTS ", sql, count=1)
        return sql
    columns = ",\n    ".join(_postgres_column(c, table.primary_key) for c in table.columns)
    return f"CREATE TABLE {table_ref(table)} (\n    {columns}\n)"


def create_schema_sql(table: Table) -> str | None:
    """CREATE SCHEMA IF NOT EXISTS for the table's schema, when it has one."""
    if not table.schema:
        return None
    return f"CREATE SCHEMA IF NOT EXISTS {quote_ident(table.schema)}"


def table_exists_sql(table: Table, dialect: Dialect) -> str:
    """One row, one boolean: whether the table exists (in its schema, or on the search path).
    Names compare as the dialect stores them (:func:`catalog_name`)."""
    if table.schema:
        where = f"table_schema = {quote_literal(catalog_name(table.schema, dialect))}"
    else:
        where = "table_schema = ANY (current_schemas(false))"
    name = quote_literal(catalog_name(table.name, dialect))
    return (
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables "
        f"WHERE {where} AND table_name = {name})"
    )


def table_columns_sql(table: Table, dialect: Dialect) -> str:
    """The existing table's column names in position order."""
    schema = (
        quote_literal(catalog_name(table.schema, dialect)) if table.schema else "current_schema()"
    )
    return (
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        f"{schema} AND table_name = {quote_literal(catalog_name(table.name, dialect))} "
        "ORDER BY ordinal_position"
    )


def analyze_sql(table: Table) -> str:
    """ANALYZE the table (refreshes planner statistics after a load or an upsert)."""
    return f"ANALYZE {table_ref(table)}"


def grant_sql(table: Table, permissions: Sequence[Any]) -> list[str]:
    """Dataduct's GRANTs for ``table``: one per ``database.permissions`` entry.

    A user gets ``WITH GRANT OPTION`` and a group none, as in Dataduct; both dialects accept
    both forms. Each entry has ``permission`` and exactly one of ``user`` / ``group``.
    """
    statements = []
    for entry in permissions:
        privilege = " ".join(entry.permission.upper().split())
        if entry.user:
            grantee = f"{quote_ident(entry.user)} WITH GRANT OPTION"
        else:
            grantee = f"GROUP {quote_ident(entry.group)}"
        statements.append(f"GRANT {privilege} ON {table_ref(table)} TO {grantee}")
    return statements


def drop_table_sql(table: Table, cascade: bool = True) -> str:
    """Dataduct's ``drop_script``: DROP TABLE IF EXISTS ... CASCADE (without ``cascade``, a
    view on the table makes the drop fail instead of vanishing with it)."""
    return f"DROP TABLE IF EXISTS {table_ref(table)}" + (" CASCADE" if cascade else "")
