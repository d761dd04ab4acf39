"""Writing staged output: interchange records into bounded parts, committed by a manifest."""

from __future__ import annotations

import dataclasses
import gzip
import logging
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import IO, Any

from airflow_dataduct.staging import dataduct_tsv
from airflow_dataduct.staging.manifest import Manifest, Part
from airflow_dataduct.staging.store import StagingStore
from airflow_dataduct.types import MAX_SPLITS

PROGRESS_ROWS = 1_000_000
log = logging.getLogger(__name__)


def check_splits(splits: int | str) -> int:
    """``splits`` as an int from 1 to :data:`MAX_SPLITS`; ValueError otherwise."""
    count = int(splits)
    if not 1 <= count <= MAX_SPLITS:
        raise ValueError(f"splits must be from 1 to {MAX_SPLITS}, not {splits}")
    return count


_RECORD = re.compile(rb"([^\\\n]*(?:\\.[^\\\n]*)*)\n", re.DOTALL)
"""One interchange record: any bytes up to a line feed that no backslash escapes."""


def split_records(data: bytes, rows: int) -> list[bytes]:
    """The ``rows`` whole records in ``data``, each without its final line feed.

    A line feed inside a value is escaped (backslash, line feed), so without that byte pair
    every line feed ends a record and a plain split is exact; otherwise records are matched
    escape by escape. ValueError when ``data`` is not exactly ``rows`` whole records.
    """
    if not data.endswith(b"\n"):
        raise ValueError("staged records must end with a line feed")
    if b"\\\n" not in data:
        records = data.split(b"\n")
        records.pop()  # the empty text after the last line feed
    else:
        records = _RECORD.findall(data)
        if sum(map(len, records)) + len(records) != len(data):
            raise ValueError("staged data is not a sequence of whole records")
    if len(records) != rows:
        raise ValueError(f"a write of {rows} rows holds {len(records)} records")
    return records


BACKSLASH_N = b"\\\\N"
"""The text ``\\N`` as an interchange field (the backslash escaped); NULL is ``\\N``."""
_BACKSLASH_N_FIELD = re.compile(rb"(?:^|(?<=[\t\n]))\\\\N(?=[\t\n]|$)")
"""Candidates: ``\\\\N`` right after a TAB, LF or the start and before a TAB, LF or the end
(the separator before it may itself be escaped; :func:`count_backslash_n` checks that)."""


def count_backslash_n(records: bytes) -> int:
    """How many fields of ``records`` (whole interchange records) hold exactly the text ``\\N``.

    Cheap when there are none: one C-level ``bytes.find``. On a hit, each candidate counts
    when the TAB or LF before it is a separator, not an escaped character (an even run of
    backslashes before it).
    """
    if records.find(BACKSLASH_N) < 0:
        return 0
    count = 0
    for match in _BACKSLASH_N_FIELD.finditer(records):
        start = match.start()
        if start == 0 or _unescaped(records, start - 1):
            count += 1
    return count


def _unescaped(data: bytes, index: int) -> bool:
    """Whether ``data[index]`` is preceded by an even number of backslashes."""
    run = 0
    while index - run > 0 and data[index - run - 1] == 0x5C:
        run += 1
    return run % 2 == 0


@dataclasses.dataclass
class _OpenPart:
    """The part a split is writing: a (gzip) stream into a local scratch file."""

    file: IO[bytes]
    local: Path
    raw: int = 0
    rows: int = 0


class StagedWriter:
    """Writes interchange records into parts of bounded size (compressed as the store says);
    commits a manifest on success.

    With ``splits`` N > 1 (Dataduct's ``splits``: N files for a parallel Redshift COPY), each
    write's records are dealt out as N contiguous runs, one per split, each split writing its
    own part; the runs rotate so the splits' row counts never differ by more than one.
    Dataduct cut the finished file into ceil(lines/N) lines each; a stream does not know its
    row count in advance, and a second pass would read the data twice, so the rows are dealt
    as they arrive instead. A split still starts a new part at ``part_size`` raw bytes, so a
    large extract has more than N parts. Splits that got no rows have no part; an empty
    source gets one empty part, as Dataduct touched ``part-0`` (a COPY needs a file to read).
    Memory: N open gzip streams (see :data:`MAX_SPLITS`) plus one write's records.
    """

    def __init__(
        self,
        store: StagingStore,
        prefix: str,
        part_size: int,
        columns: tuple[str, ...] = (),
        splits: int = 1,
    ):
        self.splits = check_splits(splits)
        self.store = store
        self.compression = store.part_compression
        self.prefix = prefix
        self.part_size = part_size
        self.columns = columns
        self.attempt = f"attempt-{uuid.uuid4().hex[:12]}"
        self.parts: list[Part] = []
        self.rows = 0
        self.backslash_n_values = 0
        """Fields holding exactly the text ``\\N`` (Redshift's COPY loads them as NULL)."""
        self._scratch = Path(tempfile.mkdtemp(prefix="dataduct-part-"))
        self._open: list[_OpenPart | None] = [None] * self.splits
        self._next_split = 0
        self.manifest: Manifest | None = None

    def write(self, records: bytes, rows: int) -> None:
        """Append whole records; a part closes once it reaches the part size."""
        self.backslash_n_values += count_backslash_n(records)
        if self.splits == 1:
            self._append(0, records, rows)
        elif records:
            self._deal(split_records(records, rows))
        if (self.rows + rows) // PROGRESS_ROWS != self.rows // PROGRESS_ROWS:
            log.info("Staged %s rows so far", f"{self.rows + rows:,}")
        self.rows += rows

    def _deal(self, records: list[bytes]) -> None:
        """Give each split a contiguous run of ``records``, starting at ``_next_split``; the
        splits left without the remainder's extra row come first next time."""
        base, extra = divmod(len(records), self.splits)
        start = 0
        for offset in range(self.splits):
            count = base + (offset < extra)
            if count:
                index = (self._next_split + offset) % self.splits
                run = b"\n".join(records[start : start + count]) + b"\n"
                self._append(index, run, count)
                start += count
        self._next_split = (self._next_split + extra) % self.splits

    def _append(self, index: int, records: bytes, rows: int) -> None:
        part = self._open[index] or self._open_part(index)
        part.file.write(records)
        part.raw += len(records)
        part.rows += rows
        if part.raw >= self.part_size:
            self._close_part(index)

    def _part_name(self) -> str:
        suffix = ".gz" if self.compression == "gzip" else ""
        return f"{self.attempt}/part-{len(self.parts):05d}.tsv{suffix}"

    def _open_part(self, index: int) -> _OpenPart:
        local = self._scratch / f"part-{index}"
        file: IO[bytes] = open(local, "wb")  # noqa: SIM115 - closed in _close_part
        if self.compression == "gzip":
            # The gzip header names the file "part" whatever the split (as before splits).
            file = gzip.GzipFile("part", mode="wb", compresslevel=1, fileobj=file, mtime=0)
        part = self._open[index] = _OpenPart(file, local)
        return part

    def _close_part(self, index: int) -> None:
        part = self._open[index]
        if part is None:
            return
        self._open[index] = None
        _close_stream(part.file)
        name = self._part_name()
        size = part.local.stat().st_size
        self.store.put_file(self.prefix, name, part.local)
        self.parts.append(Part(name, part.rows, size))
        part.local.unlink(missing_ok=True)

    def commit(self) -> Manifest:
        """Close the open parts and publish the manifest (an empty extract has no parts, or
        one empty part when split)."""
        if self.splits > 1 and not self.parts and not any(self._open):
            self._open_part(0)
        for index in range(self.splits):
            self._close_part(index)
        manifest = Manifest(
            self.prefix,
            tuple(self.parts),
            self.rows,
            self.columns,
            compression=self.compression,
            backslash_n_values=self.backslash_n_values,
        )
        try:
            self.store.publish_manifest(manifest)
        except BaseException:
            self.abort()
            raise
        self.store.remove_other_attempts(self.prefix, self.attempt)
        self.manifest = manifest
        return manifest

    def abort(self) -> None:
        """Drop this attempt's parts; the last committed manifest, if any, stays valid."""
        for index, part in enumerate(self._open):
            if part is not None:
                self._open[index] = None
                _close_stream(part.file)
        self.store.remove_attempt(self.prefix, self.attempt)

    def __enter__(self) -> StagedWriter:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.abort()
        finally:
            shutil.rmtree(self._scratch, ignore_errors=True)


def restage_dataduct_tsv(
    store: StagingStore, manifest: Manifest, prefix: str, part_size: int
) -> Manifest:
    """Dataduct TSV input (``manifest``'s parts, wherever they are) staged again under
    ``prefix`` as interchange parts, exactly as this project's reader reads it
    (:func:`~airflow_dataduct.staging.dataduct_tsv.to_interchange`: blank lines skipped, CR
    before LF dropped, ``NULL`` as NULL). Streams part by part in bounded chunks."""
    with StagedWriter(store, prefix, part_size, manifest.columns) as writer:
        for part in manifest.parts:
            for records, rows in dataduct_tsv.to_interchange(store.iter_part(manifest, part)):
                writer.write(records, rows)
    assert writer.manifest is not None
    return writer.manifest


def _close_stream(file: IO[bytes]) -> None:
    """Close a part's stream: a gzip stream is finished, then the file under it closed."""
    raw = file.fileobj if isinstance(file, gzip.GzipFile) else None
    file.close()
    if raw is not None:
        raw.close()
