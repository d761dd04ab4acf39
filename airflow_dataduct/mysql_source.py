"""MySQL/MariaDB sources: the session every connection gets, and streaming with a server-side
cursor into the interchange format.

Every connection is set to UTC (``time_zone = '+00:00'``, so ``TIMESTAMP`` values arrive in
UTC) and ``utf8mb4`` (4-byte characters arrive intact). Values become interchange fields as
:func:`airflow_dataduct.interchange.format_value` writes them, with these MySQL rules:

* zero and partly zero dates (``'0000-00-00'``, ``'2020-00-15 00:00:00'``) become NULL: no
  warehouse can store them (the driver, mysqlclient, returns them as ``None``);
* ``TIMESTAMP`` is written in UTC with ``+00``; ``DATETIME`` as written (no time zone);
* ``TIME`` (a signed duration up to 838:59:59) as ``[-]H:MM:SS[.ffffff]``, which PostgreSQL's
  ``time`` and ``interval`` and Redshift's ``TIME`` read;
* ``BIT(n)`` as its unsigned integer value (``b'101'`` is ``5``; ``BIT(1)`` is ``0``/``1``,
  which boolean columns read); ``TINYINT(1)``/``BOOLEAN`` is an integer, ``0``/``1``;
* ``DECIMAL`` in full precision; text types (``CHAR``, ``VARCHAR``, ``TEXT``, ``ENUM``,
  ``SET``, ``JSON``) as text; binary types as PostgreSQL ``bytea`` hex (``\\x...``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from airflow.providers.mysql.hooks.mysql import MySqlHook

from airflow_dataduct.interchange import NULL, format_value
from airflow_dataduct.staging import StagedWriter

FETCH_ROWS = 10_000
MYSQL_SESSION_SETTINGS = (
    "SET time_zone = '+00:00'",
    "SET SESSION net_write_timeout = 3600",
)
"""UTC for TIMESTAMP values; a long write timeout, since the server waits on a slow reader."""

# MySQL protocol column type codes (MySQLdb.constants.FIELD_TYPE).
BIT = 16
TIMESTAMP = 7

Formatter = Callable[[Any], str]


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


def server_side_cursor(conn: Any) -> Any:
    """A cursor that streams rows from the server instead of buffering the whole result."""
    if type(conn).__module__.startswith("MySQLdb"):
        from MySQLdb.cursors import SSCursor

        return conn.cursor(SSCursor)
    return conn.cursor()  # mysql-connector-python cursors are unbuffered by default


def _bit(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, int):
        return str(value)
    return str(int.from_bytes(bytes(value), "big"))


def _timestamp(value: Any) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.isoformat(sep=" ") + "+00"
    return format_value(value)


def column_formatters(description: Sequence[Sequence[Any]]) -> list[Formatter]:
    """One formatter per result column, chosen by its MySQL type code."""
    special = {BIT: _bit, TIMESTAMP: _timestamp}
    return [special.get(column[1], format_value) for column in description]


def format_mysql_rows(rows: Iterable[Sequence[Any]], formatters: Sequence[Formatter]) -> bytes:
    """Interchange records for rows of a MySQL cursor."""
    lines = ("\t".join([f(v) for f, v in zip(formatters, row, strict=True)]) + "\n" for row in rows)
    return "".join(lines).encode("utf-8")


def stream_mysql(
    hook: MySqlHook, query: str, writer_factory: Callable[[tuple[str, ...]], StagedWriter]
) -> StagedWriter:
    """Run ``query`` on a server-side cursor; write its rows in batches (constant memory)."""
    with contextlib.closing(hook.get_conn()) as conn:
        cursor = server_side_cursor(conn)
        try:
            cursor.execute(query)
            columns = tuple(d[0] for d in cursor.description)
            formatters = column_formatters(cursor.description)
            with writer_factory(columns) as writer:
                while rows := cursor.fetchmany(FETCH_ROWS):
                    writer.write(format_mysql_rows(rows, formatters), len(rows))
        finally:
            cursor.close()
    return writer
