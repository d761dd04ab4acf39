"""MySQL extracts formatted by the server: one SELECT whose single column is each row's whole
interchange record, so the client (mysqlclient's low-level API, no conversions) only joins
the records and stages them.

The server is another process, so the per-value work runs on another core and in C: profiled
at 1 M rows of 5 columns, formatting in Python cost 2.2 s of the task's CPU; the records query
costs the server ~0.9 s of CPU (``SELECT *``: ~0.44 s) and the task 0.27 s. The values are the
ones :mod:`airflow_dataduct.sources.mysql` writes from Python (a differential test holds the
two byte for byte): each column's expression is chosen by its type in a ``LIMIT 0`` describe
of ``SELECT * FROM (<query>)``, and text against binary by mysqlclient's own decision (its
converter for the column). Every literal is a hex literal, so the SQL means the same under
any ``sql_mode`` (``NO_BACKSLASH_ESCAPES``, ``ANSI_QUOTES``) and connection character set.

:func:`records_select` returns None when the query cannot be formatted this way (and the
caller formats in Python): a column type without a rule here, a query the server will not
take as a derived table (duplicate column names, not a SELECT), or one that ends
in ORDER BY without LIMIT, which MariaDB drops from a derived table. A row the server cannot
format (its record would pass ``max_allowed_packet``, or see :data:`SHORT_TEXT_BYTES`) raises
RecordTooLong mid-stream, and the caller starts over in Python.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable
from typing import Any

from airflow_dataduct.errors import RecordTooLong
from airflow_dataduct.sql.text import ends_in_unlimited_order_by
from airflow_dataduct.staging.interchange import (
    BINARY_PREFIX,
    FIELD_SEPARATOR,
    NULL,
    RECORD_END,
    TEXT_ESCAPES,
    UTC_SUFFIX,
)

# MySQL protocol column type codes (MySQLdb.constants.FIELD_TYPE).
NULL_TYPE = 6
BIT = 16
TIMESTAMP = 7
GEOMETRY = 255
DATE_TYPES = frozenset({10, 12, 14})  # DATE, DATETIME, NEWDATE
RAW_TEXT_TYPES = frozenset({0, 1, 2, 3, 4, 5, 8, 9, 11, 13, 246})
"""Numbers, TIME and YEAR: their text on the wire is already the interchange field."""
STRING_TYPES = frozenset({15, 245, 249, 250, 251, 252, 253, 254})

FETCH_ROWS = 1_000
BATCH_BYTES = 1 << 20
"""Records are staged in batches of about this size (so long rows cannot grow a batch)."""
ALIAS = "dataduct_q"


def sql_bytes(text: str) -> str:
    """``text`` as a MySQL hex literal (a binary string, read alike under every sql_mode)."""
    return f"X'{text.encode().hex()}'" if text else "''"


def quote_name(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


_NULL = sql_bytes(NULL)


def _valid_date(column: str) -> str:
    """True for a real calendar date: not zero or partly zero (``0000-00-00``,
    ``2020-00-15``), not year 0, not a day past the month's end (``2021-02-30``, which
    ``ALLOW_INVALID_DATES`` lets in); NULL for NULL. These became NULL in Python too."""
    day = f"DAYOFMONTH({column})"
    return f"YEAR({column}) AND {day} AND {day} <= DAYOFMONTH(LAST_DAY({column}))"


class Escaping(enum.Enum):
    """How the server escapes text values."""

    REGEXP = "regexp"
    """MariaDB: REGEXP_REPLACE (PCRE, byte-wise on binary strings), one pass per value."""
    REPLACE = "replace"
    """Other servers (MySQL's REGEXP_REPLACE is ICU, and refuses binary strings): a chain of
    REPLACE calls, at most :data:`SHORT_TEXT_BYTES` per value (see there)."""


SHORT_TEXT_BYTES = 16_384
"""Longer values are not escaped by a REPLACE chain: MariaDB's REPLACE moves the rest of the
string at every match, so its time grows with matches x length (measured: a 100,000-byte
value of newlines 1.5 s, 200,000 bytes 5.8 s); MySQL's may too. Such a value makes its record
NULL, and the query is formatted in Python (:class:`~airflow_dataduct.errors.RecordTooLong`)."""


def _replace_order() -> list[tuple[str, str]]:
    """The text escapes, those whose character appears in another's replacement first (the
    backslash), so a chain of REPLACE calls never escapes an escape."""
    items = list(TEXT_ESCAPES.items())
    return sorted(items, key=lambda item: not any(item[0] in text for _, text in items))


def _pcre_class(chars: list[str]) -> str:
    return "[" + "".join(f"\\x{ord(char):02x}" for char in chars) + "]"


def regexp_escapes() -> list[tuple[str, str]] | None:
    """REGEXP_REPLACE (pattern, replacement) pairs writing the text escapes: characters
    escaped by a backslash in one pass, dropped ones in another; None if the escapes take
    another shape (text is then formatted in Python)."""
    escaped = [char for char, text in TEXT_ESCAPES.items() if text == "\\" + char]
    dropped = [char for char, text in TEXT_ESCAPES.items() if not text]
    if len(escaped) + len(dropped) != len(TEXT_ESCAPES) or not all(
        char.isascii() for char in TEXT_ESCAPES
    ):
        return None
    pairs = [(f"({_pcre_class(escaped)})", "\\\\\\1")] if escaped else []  # \\ then group 1
    return [*pairs, (_pcre_class(dropped), "")] if dropped else pairs


def _unless_null(column: str, value: str) -> str:
    """``value``, or the NULL marker for NULL. Not IFNULL(value, ...): a string function
    returns NULL when its result would pass ``max_allowed_packet``, and that must not be
    taken for a NULL value (it makes the record NULL instead: see :func:`stream_records`)."""
    return f"IF({column} IS NULL, {_NULL}, {value})"


def _text(column: str, escaping: Escaping) -> str | None:
    value = f"CAST(CONVERT({column} USING utf8mb4) AS BINARY)"  # binary: byte-wise matching
    if escaping is Escaping.REGEXP:
        pairs = regexp_escapes()
        if pairs is None:
            return None
        for pattern, replacement in pairs:
            value = f"REGEXP_REPLACE({value}, {sql_bytes(pattern)}, {sql_bytes(replacement)})"
        return _unless_null(column, value)
    for char, text in _replace_order():
        value = f"REPLACE({value}, {sql_bytes(char)}, {sql_bytes(text)})"
    return _unless_null(column, f"IF(LENGTH({column}) <= {SHORT_TEXT_BYTES}, {value}, NULL)")


def field_sql(column: str, type_code: int, converter: Any, escaping: Escaping) -> str | None:
    """The expression writing ``column`` as an interchange field, or None for a type without
    a rule. ``converter`` is mysqlclient's for the column (``bytes`` for binary strings)."""
    if type_code in RAW_TEXT_TYPES or type_code == NULL_TYPE:
        return f"IFNULL({column}, {_NULL})"
    if type_code in DATE_TYPES:
        return f"IF({_valid_date(column)}, {column}, {_NULL})"
    if type_code == TIMESTAMP:  # the session is in UTC
        return f"IF({_valid_date(column)}, CONCAT({column}, {sql_bytes(UTC_SUFFIX)}), {_NULL})"
    if type_code == BIT:
        return f"IFNULL(CAST({column} AS UNSIGNED), {_NULL})"
    if type_code in STRING_TYPES and converter is str:
        return _text(column, escaping)
    if (type_code in STRING_TYPES or type_code == GEOMETRY) and converter in (bytes, None):
        return _unless_null(column, f"CONCAT({sql_bytes(BINARY_PREFIX)}, LOWER(HEX({column})))")
    return None


def derived(query: str) -> str:
    """``(<query>) AS dataduct_q``; the parenthesis closes on a new line after any comment."""
    return f"({query}\n) AS {ALIAS}"


def describe(conn: Any, query: str) -> tuple[list[str], list[int], list[Any]] | None:
    """Column names, type codes and mysqlclient converters of ``query`` as a derived table
    (``LIMIT 0``: nothing is read); None if the server will not take it as one."""
    import MySQLdb  # deferred: only mysqlclient connections get here; start-up time

    try:
        conn.query(f"SELECT * FROM {derived(query)} LIMIT 0")
    except MySQLdb.Error:
        return None
    result = conn.store_result()
    fields = result.describe()
    return [f[0] for f in fields], [f[1] for f in fields], list(result.converter)


def records_select(
    conn: Any, query: str, escaping: Escaping | None = None
) -> tuple[tuple[str, ...], str] | None:
    """The column names of ``query`` and the SELECT that writes its rows as interchange
    records; None when it cannot (see the module's docstring). ``escaping``: by default
    :attr:`Escaping.REGEXP` on MariaDB, :attr:`Escaping.REPLACE` on other servers."""
    if ends_in_unlimited_order_by(query):
        return None
    described = describe(conn, query)
    if described is None:
        return None
    names, types, converters = described
    if escaping is None:
        mariadb = "mariadb" in conn.get_server_info().lower()
        escaping = Escaping.REGEXP if mariadb else Escaping.REPLACE
    fields = [
        field_sql(f"{ALIAS}.{quote_name(name)}", code, converter, escaping)
        for name, code, converter in zip(names, types, converters, strict=True)
    ]
    if None in fields:
        return None
    # CONCAT, not CONCAT_WS (which skips NULL): a field that overflowed makes the record NULL
    record = f"CONCAT({f', {sql_bytes(FIELD_SEPARATOR)}, '.join(fields)})"  # type: ignore[arg-type]
    return tuple(names), f"SELECT {record} FROM {derived(query)}"


def stream_records(conn: Any, select: str, write: Callable[[bytes, int], None]) -> None:
    """Run the records SELECT unbuffered (``mysql_use_result``) and pass batches of about
    :data:`BATCH_BYTES` of whole records to ``write(records, rows)``. RecordTooLong if the
    server could not format a row (see :func:`_unless_null`)."""
    converter, conn.converter = conn.converter, {}  # every field as the bytes sent
    try:
        conn.query(select)
        result = conn.use_result()
    finally:
        conn.converter = converter
    first = operator.itemgetter(0)
    end = RECORD_END.encode()
    chunks: list[bytes] = []
    size = rows = 0
    while lines := result.fetch_row(FETCH_ROWS):
        try:
            chunk = end.join(map(first, lines)) + end
        except TypeError:  # a NULL record
            raise RecordTooLong(
                "the MySQL server could not format a row (longer than its max_allowed_packet, "
                f"or text of more than {SHORT_TEXT_BYTES:,} bytes to escape with REPLACE)"
            ) from None
        chunks.append(chunk)
        size += len(chunk)
        rows += len(lines)
        if size >= BATCH_BYTES:
            write(b"".join(chunks), rows)
            chunks, size, rows = [], 0, 0
    if rows:
        write(b"".join(chunks), rows)
