"""Dataduct's own TSV (docs/staging.md) and its conversion to and from the interchange format.

Dataduct's files (``extract-local`` data, objects under an ``extract-s3`` URI, what a
``transform`` script reads and writes) are TAB-separated with Redshift ``ESCAPE`` backslash
escaping, and NULL is the literal field ``NULL`` (Dataduct loaded with ``NULL AS 'NULL'``).
Read here as:

* a field that is exactly ``NULL`` is NULL; the string ``'NULL'`` is written ``\\NULL``
  (a backslash before an ordinary character stands for that character, as in Redshift);
* an empty field is the empty string;
* blank lines are skipped (Dataduct's examples end with one), and a CR before the LF of a
  record is dropped (CRLF files);
* a backslash, TAB, LF or CR in a value is escaped by a backslash, as in the interchange format.

Hand-written: neither the csv module nor PostgreSQL's text COPY reads Redshift's ESCAPE form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

FORMAT_NAME = "dataduct-tsv"
"""Manifest ``format`` of data in Dataduct's TSV (NULL as the literal ``NULL``)."""

_RECORD = re.compile(rb"(?:[^\\\n]|\\.)*\n", re.S)
_FIELD = re.compile(rb"((?:[^\\\t]|\\.)*)(\t|\Z)", re.S)
_ESCAPE = re.compile(rb"\\(.)", re.S)
_KEPT_ESCAPES = b"\\\t\n\r"
_INTERCHANGE_NULL = b"\\N"


def _canonical(match: re.Match[bytes]) -> bytes:
    char = match.group(1)
    return match.group(0) if char in _KEPT_ESCAPES else char


def _fields(record: bytes) -> list[bytes]:
    fields = []
    pos = 0
    while True:
        match = _FIELD.match(record, pos)
        if match is None:  # a dangling backslash at the very end: keep it as a backslash
            fields.append(record[pos:-1] + b"\\\\")
            return fields
        fields.append(match.group(1))
        if not match.group(2):
            return fields
        pos = match.end()


def record_to_interchange(record: bytes) -> bytes | None:
    """One Dataduct TSV record (without its LF) as an interchange record; None if blank."""
    if record.endswith(b"\r") and not record.endswith(b"\\\r"):
        record = record[:-1]
    if not record:
        return None
    out = [
        _INTERCHANGE_NULL if field == b"NULL" else _ESCAPE.sub(_canonical, field)
        for field in _fields(record)
    ]
    return b"\t".join(out)


def record_from_interchange(record: bytes) -> bytes:
    """One interchange record (without its LF) as Dataduct TSV: ``\\N`` -> ``NULL``."""
    out = []
    for field in _fields(record):
        if field == _INTERCHANGE_NULL:
            out.append(b"NULL")
        elif field == b"NULL":
            out.append(b"\\NULL")
        else:
            out.append(field)
    return b"\t".join(out)


def _last_record_end(data: bytes) -> int:
    """The index just past the last unescaped LF of ``data`` (0 when there is none)."""
    end = data.rfind(b"\n")
    while end >= 0:
        backslashes = len(data[:end]) - len(data[:end].rstrip(b"\\"))
        if backslashes % 2 == 0:
            return end + 1
        end = data.rfind(b"\n", 0, end)
    return 0


def iter_records(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Whole records (without their LF) from a stream of byte chunks."""
    pending = b""
    for chunk in chunks:
        data = pending + chunk
        cut = _last_record_end(data)
        for match in _RECORD.finditer(data, 0, cut):
            yield match.group(0)[:-1]
        pending = data[cut:]
    if pending:
        yield pending


def to_interchange(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, int]]:
    """Dataduct TSV byte chunks as (interchange bytes, record count) chunks."""
    batch: list[bytes] = []
    for record in iter_records(chunks):
        converted = record_to_interchange(record)
        if converted is not None:
            batch.append(converted)
        if len(batch) >= 10_000:
            yield b"\n".join(batch) + b"\n", len(batch)
            batch = []
    if batch:
        yield b"\n".join(batch) + b"\n", len(batch)


def from_interchange(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Interchange byte chunks as Dataduct TSV chunks."""
    batch: list[bytes] = []
    for record in iter_records(chunks):
        batch.append(record_from_interchange(record))
        if len(batch) >= 10_000:
            yield b"\n".join(batch) + b"\n"
            batch = []
    if batch:
        yield b"\n".join(batch) + b"\n"


def count_records(chunks: Iterable[bytes]) -> int:
    """How many rows a load reads from Dataduct TSV (blank lines not counted)."""
    return sum(rows for _, rows in to_interchange(chunks))
