"""MySQL/MariaDB sources: streaming a query's rows into the interchange format.

With mysqlclient the server formats each record (:mod:`~airflow_dataduct.sources.mysql_records`)
where it can. Otherwise the rows stream from a server-side cursor and are formatted here:
numbers, dates and times as the text the server sends (already the interchange form) rather
than converted to Python objects and back, a batch a column at a time; other drivers' values
go through ``format_value``. Both ways write the same bytes.

Every connection is set to UTC (``time_zone = '+00:00'``, so ``TIMESTAMP`` values arrive in
UTC) and ``utf8mb4`` (4-byte characters arrive intact). Values become interchange fields as
:func:`airflow_dataduct.staging.interchange.format_value` writes them, with these MySQL rules:

* zero and partly zero dates (``'0000-00-00'``, ``'2020-00-15 00:00:00'``) become NULL: no
  warehouse can store them;
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
import logging
from collections.abc import Callable, Sequence
from typing import Any

from airflow.providers.mysql.hooks.mysql import MySqlHook

from airflow_dataduct.errors import RecordTooLong
from airflow_dataduct.sources.mysql_records import (
    BIT,
    DATE_TYPES,
    RAW_TEXT_TYPES,
    STRING_TYPES,
    TIMESTAMP,
    records_select,
    stream_records,
)
from airflow_dataduct.staging.interchange import NULL, UTC_SUFFIX, format_value
from airflow_dataduct.staging.writer import StagedWriter

FETCH_ROWS = 10_000
log = logging.getLogger(__name__)

Formatter = Callable[[Any], str]
"""One value as an interchange field."""
ColumnFormatter = Callable[[Sequence[Any]], Sequence[str]]
"""A column of one batch of rows as interchange fields."""


def server_side_cursor(conn: Any) -> Any:
    """A cursor that streams rows from the server instead of buffering the whole result."""
    if type(conn).__module__.startswith("MySQLdb"):
        from MySQLdb.cursors import SSCursor  # deferred: only mysqlclient connections have it

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
        return value.isoformat(sep=" ") + UTC_SUFFIX
    return format_value(value)


def each(formatter: Formatter) -> ColumnFormatter:
    """A column formatter applying ``formatter`` to every value."""
    return lambda column: list(map(formatter, column))


def column_formatters(description: Sequence[Sequence[Any]]) -> list[ColumnFormatter]:
    """One formatter per result column of converted values, chosen by its MySQL type code."""
    special = {BIT: _bit, TIMESTAMP: _timestamp}
    return [each(special.get(column[1], format_value)) for column in description]


def format_mysql_rows(
    rows: Sequence[Sequence[Any]], formatters: Sequence[ColumnFormatter]
) -> bytes:
    """Interchange records for rows of a MySQL cursor, formatted a column at a time (so most
    of the work is one C call per column, not a Python call per value)."""
    if not rows:
        return b""
    columns = zip(*rows, strict=True)
    fields = [f(column) for f, column in zip(formatters, columns, strict=True)]
    return ("\n".join(map("\t".join, zip(*fields, strict=True))) + "\n").encode("utf-8")


_SEPARATOR = "\x1f"
_SPECIAL = ("\\", "\t", "\n", "\r", "\x00")


def text_column(values: Sequence[str | bytes | None]) -> Sequence[str]:
    """A text column escaped for the interchange format a column at a time: values without
    a backslash, TAB, LF, CR or NUL (nearly all) are used as they are; otherwise the column
    is escaped in one string. Binary values (bytes) go through :func:`format_value`."""
    present = [v for v in values if v is not None] if None in values else values
    if present and not isinstance(present[0], str):
        return list(map(format_value, values))
    joined = _SEPARATOR.join(present)  # type: ignore[arg-type]
    if _SEPARATOR in joined and joined.count(_SEPARATOR) != len(present) - 1:
        return list(map(format_value, values))
    if any(char in joined for char in _SPECIAL):
        present = format_value(joined).split(_SEPARATOR)
    if present is values:
        return values  # type: ignore[return-value]
    fields = iter(present)
    return [NULL if v is None else next(fields) for v in values]  # type: ignore[misc]


def _raw_text(value: bytes | None) -> str:
    return NULL if value is None else value.decode("ascii")


def _raw_date(value: bytes | None) -> str:
    """A DATE/DATETIME as sent; zero and partly zero dates (and any other invalid date that
    ``ALLOW_INVALID_DATES`` let in) become NULL, as mysqlclient's converter made them."""
    if value is None:
        return NULL
    text = value.decode("ascii")
    try:
        dt.date.fromisoformat(text[:10])
    except ValueError:
        return NULL
    return text


def _raw_timestamp(value: bytes | None) -> str:
    text = _raw_date(value)
    return text if text == NULL else text + UTC_SUFFIX


def _raw_bit(value: bytes | None) -> str:
    return NULL if value is None else str(int.from_bytes(value, "big"))


def raw_column_formatters(description: Sequence[Sequence[Any]]) -> list[ColumnFormatter]:
    """Formatters of the values mysqlclient returns without converters (see
    :func:`use_raw_values`): numbers, dates and times as the server's text, which is already
    the interchange form; text and binary as the default converters give them."""
    by_type = {TIMESTAMP: each(_raw_timestamp), BIT: each(_raw_bit)}
    by_type.update(dict.fromkeys(RAW_TEXT_TYPES, each(_raw_text)))
    by_type.update(dict.fromkeys(DATE_TYPES, each(_raw_date)))
    return [by_type.get(column[1], text_column) for column in description]


def use_raw_values(conn: Any) -> bool:
    """Make a mysqlclient connection return numbers, dates and times as the server's text
    (bytes) instead of Python objects, which cost more to make and to format than the query
    (profiled: 10 µs of 12 µs per 5-column row); False for other drivers."""
    if not type(conn).__module__.startswith("MySQLdb"):
        return False
    conn.converter = {
        code: convert
        for code, convert in conn.converter.items()
        if not isinstance(code, int) or code in STRING_TYPES  # text decoded as before
    }
    return True


def stream_mysql(
    hook: MySqlHook, query: str, writer_factory: Callable[[tuple[str, ...]], StagedWriter]
) -> StagedWriter:
    """Stream ``query``'s rows unbuffered into the writer in bounded batches (constant
    memory): with mysqlclient, as records the server formats
    (:mod:`~airflow_dataduct.sources.mysql_records`) where it can; otherwise from a
    server-side cursor, formatted here."""
    with contextlib.closing(hook.get_conn()) as conn:
        raw = use_raw_values(conn)
        planned = records_select(conn, query) if raw else None
        if planned is None:
            return _stream_cursor(conn, query, raw, writer_factory)
        columns, select = planned
        try:
            with writer_factory(columns) as writer:  # aborted (nothing staged) on an error
                stream_records(conn, select, writer.write)
            return writer
        except RecordTooLong as exc:
            log.warning("%s: formatting the rows in Python instead", exc)
    with contextlib.closing(hook.get_conn()) as conn:  # the first one is mid-result
        return _stream_cursor(conn, query, use_raw_values(conn), writer_factory)


def _stream_cursor(
    conn: Any, query: str, raw: bool, writer_factory: Callable[[tuple[str, ...]], StagedWriter]
) -> StagedWriter:
    """Run ``query`` on a server-side cursor and format its rows here, a column at a time."""
    cursor = server_side_cursor(conn)
    try:
        cursor.execute(query)
        columns = tuple(d[0] for d in cursor.description)
        pick = raw_column_formatters if raw else column_formatters
        formatters = pick(cursor.description)
        with writer_factory(columns) as writer:
            while rows := cursor.fetchmany(FETCH_ROWS):
                writer.write(format_mysql_rows(rows, formatters), len(rows))
    finally:
        cursor.close()
    return writer
