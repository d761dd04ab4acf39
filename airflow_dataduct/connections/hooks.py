"""Connections to the warehouse and the sources, chosen by the Airflow connection's type."""

from __future__ import annotations

from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.sdk import BaseHook

from airflow_dataduct.sql.identifiers import Dialect, quote_ident

POSTGRES_TYPES = frozenset({"postgres", "postgresql"})
REDSHIFT_TYPES = frozenset({"redshift"})
MYSQL_TYPES = frozenset({"mysql"})


def connection_type(conn_id: str) -> str:
    """The ``conn_type`` of an Airflow connection."""
    return BaseHook.get_connection(conn_id).conn_type


def warehouse_dialect(conn_id: str) -> Dialect:
    """Redshift for a ``redshift`` connection, PostgreSQL for a ``postgres`` one."""
    kind = connection_type(conn_id)
    if kind in REDSHIFT_TYPES:
        return Dialect.REDSHIFT
    if kind in POSTGRES_TYPES:
        return Dialect.POSTGRES
    raise ValueError(
        f"warehouse connection '{conn_id}' has type '{kind}'; expected 'redshift' or 'postgres'"
    )


def warehouse_hook(conn_id: str, search_path: list[str] | tuple[str, ...] = ()) -> DbApiHook:
    """A hook to the warehouse; its sessions get ``search_path`` when one is configured."""
    dialect = warehouse_dialect(conn_id)
    if dialect is Dialect.REDSHIFT:
        # deferred: start-up time
        from airflow.providers.amazon.aws.hooks.redshift_sql import RedshiftSQLHook

        return RedshiftSQLHook(redshift_conn_id=conn_id)
    # deferred: start-up time
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    options = f"-c search_path={','.join(search_path)}" if search_path else None
    return PostgresHook(postgres_conn_id=conn_id, options=options)


def set_search_path(cursor: Any, search_path: list[str] | tuple[str, ...]) -> None:
    """Set the session's search_path (for Redshift, whose hook takes no session options)."""
    if search_path:
        cursor.execute("SET search_path TO " + ", ".join(quote_ident(s) for s in search_path))


def source_hook(conn_id: str, database: str | None = None) -> DbApiHook:
    """A DB-API hook for a source connection; ``database`` overrides the connection's own."""
    connection = BaseHook.get_connection(conn_id)
    if connection.conn_type in POSTGRES_TYPES:
        # deferred: start-up time
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        return PostgresHook(postgres_conn_id=conn_id, database=database)
    if connection.conn_type in MYSQL_TYPES:
        from airflow_dataduct.connections.mysql import mysql_hook  # deferred: MySQLdb start-up

        return mysql_hook(conn_id, database)
    hook_params = {"schema": database} if database else {}
    hook = connection.get_hook(hook_params=hook_params)
    if not isinstance(hook, DbApiHook):
        raise ValueError(f"connection '{conn_id}' ({connection.conn_type}) is not a SQL database")
    return hook


def is_postgres(hook: DbApiHook) -> bool:
    """Whether ``hook`` talks to PostgreSQL (and so can stream with COPY)."""
    # deferred: start-up time
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return isinstance(hook, PostgresHook)


def is_mysql(hook: DbApiHook) -> bool:
    """Whether ``hook`` talks to MySQL or MariaDB (and so streams with a server-side cursor)."""
    # deferred: start-up time
    from airflow.providers.mysql.hooks.mysql import MySqlHook

    return isinstance(hook, MySqlHook)
