"""The staging interchange format: how rows travel between an extract and a load.

One record per line, UTF-8, gzip-compressed parts:

* fields separated by TAB; records end with LF;
* NULL is ``\\N``; an empty field is the empty string, so ``''``, NULL and the string
  ``'NULL'`` stay three different values;
* a backslash, TAB, LF or CR inside a value is written as a backslash followed by that
  character itself (Redshift's ``ESCAPE`` convention); NUL characters are dropped, since
  neither warehouse can store them in text;
* values in PostgreSQL's text output form: ISO dates and timestamps in UTC, ``t``/``f``
  booleans, full-precision numbers, durations (MySQL ``TIME``) as ``[-]HH:MM:SS[.ffffff]``.

Redshift loads it with ``DELIMITER '\\t' ESCAPE NULL AS '\\\\N' GZIP``; PostgreSQL with a plain
``COPY ... FROM STDIN`` (text format), which reads a backslash followed by a character as that
character.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMAT_NAME = "dataduct-tsv/1"
NULL = "\\N"
FIELD_SEPARATOR = "\t"
RECORD_END = "\n"
TEXT_ESCAPES = {"\\": "\\\\", "\t": "\\\t", "\n": "\\\n", "\r": "\\\r", "\x00": ""}
"""What each special character of a text value is written as (NUL is dropped)."""
BINARY_PREFIX = "\\\\x"
"""Before the hex digits of a binary value (PostgreSQL ``bytea`` hex, its backslash escaped)."""
UTC_SUFFIX = "+00"
"""After a timestamp in UTC."""

_PG_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)
_PG_TO_INTERCHANGE = {
    b"n": b"\\\n",
    b"r": b"\\\r",
    b"t": b"\\\t",
    b"b": b"\x08",
    b"f": b"\x0c",
    b"v": b"\x0b",
}

POSTGRES_SESSION_SETTINGS = (
    "SET TIME ZONE 'UTC'",
    "SET DateStyle TO ISO, YMD",
    "SET IntervalStyle TO postgres",
    "SET extra_float_digits TO 3",
    "SET bytea_output TO hex",
)
"""Session settings that make PostgreSQL's text output the interchange form."""


def _replace_pg_escape(match: re.Match[bytes]) -> bytes:
    return _PG_TO_INTERCHANGE.get(match.group(1), match.group(0))


def from_postgres_text(data: bytes) -> bytes:
    """Rewrite whole records of PostgreSQL ``COPY TO`` text output into the interchange format.

    PostgreSQL writes a newline inside a value as ``\\n``; Redshift would read that as the
    letter n, so each such escape becomes a backslash and the character itself.
    """
    if b"\\" not in data:
        return data
    return _PG_ESCAPE.sub(_replace_pg_escape, data)


_TEXT_ESCAPES = str.maketrans({char: text or None for char, text in TEXT_ESCAPES.items()})


def format_value(value: Any) -> str:
    """One Python value from a DB-API cursor as an interchange field."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return value.translate(_TEXT_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, decimal.Decimal):
        return "NaN" if value.is_nan() else format(value, "f")
    if isinstance(value, dt.datetime):
        return _format_datetime(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return BINARY_PREFIX + bytes(value).hex()
    return str(value).translate(_TEXT_ESCAPES)


def format_duration(value: dt.timedelta) -> str:
    """A duration (MySQL ``TIME``) as ``[-]H:MM:SS[.ffffff]``; hours may exceed 24."""
    micros = abs(value) // dt.timedelta(microseconds=1)
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    sign = "-" if value < dt.timedelta(0) else ""
    text = f"{sign}{hours:02d}:{minute:02d}:{second:02d}"
    return f"{text}.{fraction:06d}" if fraction else text


def _format_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _format_datetime(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None).isoformat(sep=" ") + UTC_SUFFIX
    return value.isoformat(sep=" ")


def format_rows(rows: Iterable[Sequence[Any]]) -> bytes:
    """Interchange records for DB-API rows."""
    return "".join(
        FIELD_SEPARATOR.join(map(format_value, row)) + RECORD_END for row in rows
    ).encode("utf-8")


_RECORD = re.compile(rb"((?:[^\\\n]|\\.)*)\n", re.DOTALL)
_FIELD = re.compile(rb"((?:[^\\\t]|\\.)*)(\t|\Z)", re.DOTALL)
_UNESCAPE = re.compile(rb"\\(.)", re.DOTALL)


def _parse_fields(record: bytes) -> list[str | None]:
    fields: list[str | None] = []
    pos = 0
    while True:
        match = _FIELD.match(record, pos)
        assert match is not None  # the pattern matches the empty string
        raw = match.group(1)
        fields.append(None if raw == b"\\N" else _UNESCAPE.sub(rb"\1", raw).decode("utf-8"))
        if not match.group(2):
            return fields
        pos = match.end()


def parse_records(chunks: Iterable[bytes]) -> Iterable[list[str | None]]:
    """Interchange bytes (any chunking) back to rows of text values, NULL as None.

    By hand: the csv module cannot read backslash escapes with an escaped record separator,
    and psycopg's COPY parser is not exposed for client-side use.
    """
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        end = 0
        while match := _RECORD.match(buffer, end):  # anchored: never starts mid-record
            yield _parse_fields(match.group(1))
            end = match.end()
        buffer = buffer[end:]
    if buffer:
        raise ValueError("staged data ends in the middle of a record")
