"""SQL sent to a SOURCE database (``extract-rds``, ``count-check``, ``column-check``).

Names from YAML are quoted for the source connection's dialect: backticks for MySQL/MariaDB,
the warehouse rules (double quotes when needed) for PostgreSQL and ANSI double quotes for any
other DB-API source.
"""

from __future__ import annotations

import enum

from airflow_dataduct.sql.identifiers import quote_ident, quote_qualified

MYSQL_CONN_TYPES = frozenset({"mysql"})
POSTGRES_CONN_TYPES = frozenset({"postgres", "postgresql"})


class SourceDialect(str, enum.Enum):
    """How a source database quotes identifiers."""

    MYSQL = "mysql"
    POSTGRES = "postgres"
    ANSI = "ansi"

    @classmethod
    def of_conn_type(cls, conn_type: str) -> SourceDialect:
        """The dialect of an Airflow connection type (``mysql``, ``postgres``, ...)."""
        if conn_type in MYSQL_CONN_TYPES:
            return cls.MYSQL
        if conn_type in POSTGRES_CONN_TYPES:
            return cls.POSTGRES
        return cls.ANSI


def quote_source_ident(name: str, dialect: SourceDialect) -> str:
    """One identifier quoted for ``dialect``."""
    if "\x00" in name:
        raise ValueError("an identifier cannot contain a NUL character")
    if dialect is SourceDialect.MYSQL:
        return "`" + name.replace("`", "``") + "`"
    if dialect is SourceDialect.POSTGRES:
        return quote_ident(name)
    return '"' + name.replace('"', '""') + '"'


def quote_source_qualified(name: str, dialect: SourceDialect) -> str:
    """A dotted ``schema.table`` (MySQL: ``database.table``) name from YAML, each part quoted."""
    if dialect is SourceDialect.POSTGRES:
        return quote_qualified(name)
    return ".".join(quote_source_ident(part, dialect) for part in name.split("."))


def select_all_sql(table: str, dialect: SourceDialect) -> str:
    """``SELECT * FROM <table>`` for the ``table:`` key of ``extract-rds``."""
    return f"SELECT * FROM {quote_source_qualified(table, dialect)}"


def count_source_table_sql(table: str, dialect: SourceDialect) -> str:
    """``SELECT COUNT(*) FROM <table>`` for count-check's ``source_table_name``."""
    return f"SELECT COUNT(*) FROM {quote_source_qualified(table, dialect)}"
