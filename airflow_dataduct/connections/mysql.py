"""MySQL/MariaDB source connections: every session utf8mb4 and UTC, with a long write timeout."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.providers.mysql.hooks.mysql import MySqlHook

MYSQL_SESSION_SETTINGS = (
    "SET time_zone = '+00:00'",
    "SET SESSION net_write_timeout = 3600",
)
"""UTC for TIMESTAMP values; a long write timeout, since the server waits on a slow reader."""


class MySqlSourceHook(MySqlHook):
    """MySqlHook whose connections are set up for extracts: utf8mb4 and UTC."""

    def get_conn(self) -> Any:
        conn = super().get_conn()
        prepare_session(conn)
        return conn


def mysql_hook(conn_id: str, database: str | None = None) -> MySqlSourceHook:
    """A hook to the MySQL connection ``conn_id``; ``database`` overrides its schema."""
    return MySqlSourceHook(mysql_conn_id=conn_id, schema=database)


def prepare_session(conn: Any) -> None:
    """utf8mb4 on both ends of the connection, UTC session time zone."""
    if hasattr(conn, "set_character_set"):  # mysqlclient: also switches its decoder
        conn.set_character_set("utf8mb4")
        settings: Sequence[str] = MYSQL_SESSION_SETTINGS
    else:
        settings = ("SET NAMES utf8mb4", *MYSQL_SESSION_SETTINGS)
    cursor = conn.cursor()
    try:
        for setting in settings:
            cursor.execute(setting)
    finally:
        cursor.close()
