"""The staging area: where an extract leaves part files and a manifest for the load.

A step's output lives under ``<root>/<dag_id>/<run>/<step>/``. Each attempt writes its parts
under a fresh ``attempt-<id>/`` folder; ``manifest.json`` is written last, in one atomic step,
and names the parts of the attempt that completed. A load reads only what the manifest
lists, so a half-written extract is never loaded and a retry never mixes two attempts.
"""

from __future__ import annotations

import abc
import dataclasses
import gzip
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from airflow_dataduct.interchange import FORMAT_NAME

MANIFEST = "manifest.json"
COPY_MANIFEST = "copy.manifest"
READ_CHUNK = 1 << 20
PROGRESS_ROWS = 1_000_000
log = logging.getLogger(__name__)


def path_safe(text: str) -> str:
    """``text`` as one path component (used for run ids such as ``manual__2026-01-01T...``)."""
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("._") or "_"


def step_prefix(dag_id: str, run_id: str, step_name: str) -> str:
    """The relative location of one step's staged output for one run."""
    return f"{path_safe(dag_id)}/{path_safe(run_id)}/{path_safe(step_name)}"


@dataclasses.dataclass(frozen=True)
class Part:
    """One staged file."""

    name: str
    rows: int
    bytes: int


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What an extract staged: its parts, row count and columns."""

    prefix: str
    parts: tuple[Part, ...]
    rows: int
    columns: tuple[str, ...] = ()
    format: str = FORMAT_NAME
    compression: str = "gzip"

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        parts = tuple(Part(**p) for p in data.pop("parts"))
        return cls(parts=parts, columns=tuple(data.pop("columns", ())), **data)


MAX_SPLITS = 256
"""Most ``splits`` an extract takes: each split keeps a gzip stream (~0.3 MiB) and a scratch
file open while the extract runs, so this bounds memory (~80 MiB) and file descriptors."""


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
        columns: tuple[str, ...],
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
        self._scratch = Path(tempfile.mkdtemp(prefix="dataduct-part-"))
        self._open: list[_OpenPart | None] = [None] * self.splits
        self._next_split = 0
        self.manifest: Manifest | None = None

    def write(self, records: bytes, rows: int) -> None:
        """Append whole records; a part closes once it reaches the part size."""
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
            self.prefix, tuple(self.parts), self.rows, self.columns, compression=self.compression
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


def _close_stream(file: IO[bytes]) -> None:
    """Close a part's stream: a gzip stream is finished, then the file under it closed."""
    raw = file.fileobj if isinstance(file, gzip.GzipFile) else None
    file.close()
    if raw is not None:
        raw.close()


class StagingStore(abc.ABC):
    """A staging root: a local directory or an S3 prefix."""

    part_compression = "gzip"
    """How extracts store their parts here: ``gzip`` (less to move to and from S3, and read
    by Redshift's COPY) or ``none``."""

    @abc.abstractmethod
    def uri(self, prefix: str, name: str = "") -> str:
        """The full location of ``name`` under ``prefix``."""

    @abc.abstractmethod
    def put_file(self, prefix: str, name: str, local: Path) -> None:
        """Store a finished local file as ``prefix/name``."""

    @abc.abstractmethod
    def publish_manifest(self, manifest: Manifest) -> None:
        """Write the manifest atomically; after this the load sees the new parts."""

    @abc.abstractmethod
    def read_text(self, prefix: str, name: str) -> str:
        """A small text file; FileNotFoundError when missing."""

    @abc.abstractmethod
    def open_raw(self, prefix: str, name: str) -> IO[bytes]:
        """A binary stream of a stored file, as stored (compressed)."""

    @abc.abstractmethod
    def remove_attempt(self, prefix: str, attempt: str) -> None:
        """Delete one attempt's parts."""

    @abc.abstractmethod
    def remove_other_attempts(self, prefix: str, keep: str) -> None:
        """Delete the parts of every attempt but ``keep``."""

    @abc.abstractmethod
    def remove_prefix(self, prefix: str) -> None:
        """Delete everything staged under ``prefix`` (manifests and every attempt)."""

    def put_text(self, prefix: str, name: str, text: str) -> None:
        """Store a small text file as ``prefix/name`` (QA result rows)."""
        fd, tmp = tempfile.mkstemp(prefix="dataduct-text-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        try:
            self.put_file(prefix, name, Path(tmp))
        finally:
            Path(tmp).unlink(missing_ok=True)

    def writer(
        self, prefix: str, part_size: int, columns: tuple[str, ...] = (), splits: int = 1
    ) -> StagedWriter:
        """A writer for a step's output under ``prefix`` (``splits``: see StagedWriter)."""
        return StagedWriter(self, prefix, part_size, columns, splits)

    def read_manifest(self, prefix: str) -> Manifest:
        """The committed manifest under ``prefix``; FileNotFoundError names the location."""
        try:
            return Manifest.from_json(self.read_text(prefix, MANIFEST))
        except FileNotFoundError:
            raise FileNotFoundError(
                f"no staged data at {self.uri(prefix)}: its extract has not completed"
            ) from None

    aws_conn_id: str = "aws_default"
    """AWS connection for parts stored outside the store (listings of ``extract-s3`` data)."""

    def iter_part(
        self, manifest: Manifest, part: Part, chunk_size: int = READ_CHUNK
    ) -> Iterator[bytes]:
        """The decompressed bytes of one part, as stored; a part named by a full URI (an
        ``extract-s3`` listing) is read from there."""
        external = "://" in part.name or os.path.isabs(part.name)
        with (
            open_location(part.name, self.aws_conn_id)
            if external
            else self.open_raw(manifest.prefix, part.name)
        ) as raw:
            gzipped = manifest.compression == "gzip" or (
                manifest.compression == "auto" and part.name.endswith(".gz")
            )
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
            while chunk := stream.read(chunk_size):
                yield chunk

    def iter_records(self, manifest: Manifest, chunk_size: int = READ_CHUNK) -> Iterator[bytes]:
        """The decompressed interchange bytes of every part, in bounded chunks (Dataduct TSV
        parts are converted on the way, spec §2.5)."""
        from airflow_dataduct import dataduct_tsv

        for part in manifest.parts:
            chunks = self.iter_part(manifest, part, chunk_size)
            if manifest.format == dataduct_tsv.FORMAT_NAME:
                yield from (data for data, _ in dataduct_tsv.to_interchange(chunks))
            else:
                yield from chunks


class LocalStagingStore(StagingStore):
    """Staging in a local directory; files are owner-only. Extract parts are not compressed:
    on a local disk gzip only costs time (0.4 s per million rows of the transfer benchmark)."""

    part_compression = "none"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, prefix: str, name: str = "") -> Path:
        return self.root / prefix / name if name else self.root / prefix

    def uri(self, prefix: str, name: str = "") -> str:
        return str(self._path(prefix, name))

    def _private_dir(self, folder: Path) -> None:
        """Create ``folder`` and each missing parent owner-only (``mkdir(parents=True)`` would
        give the parents the umask's permissions)."""
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        for path in reversed(missing):
            path.mkdir(mode=0o700, exist_ok=True)

    def put_file(self, prefix: str, name: str, local: Path) -> None:
        target = self._path(prefix, name)
        self._private_dir(target.parent)
        shutil.move(str(local), target)
        os.chmod(target, 0o600)

    def publish_manifest(self, manifest: Manifest) -> None:
        folder = self._path(manifest.prefix)
        self._private_dir(folder)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".manifest-")
        try:
            with os.fdopen(fd, "w") as out:
                out.write(manifest.to_json())
            os.replace(tmp, folder / MANIFEST)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read_text(self, prefix: str, name: str) -> str:
        return self._path(prefix, name).read_text()

    def open_raw(self, prefix: str, name: str) -> IO[bytes]:
        return open(self._path(prefix, name), "rb")

    def remove_attempt(self, prefix: str, attempt: str) -> None:
        shutil.rmtree(self._path(prefix, attempt), ignore_errors=True)

    def remove_other_attempts(self, prefix: str, keep: str) -> None:
        folder = self._path(prefix)
        for child in folder.glob("attempt-*"):
            if child.name != keep:
                shutil.rmtree(child, ignore_errors=True)

    def remove_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)


def open_store(location: str, aws_conn_id: str = "aws_default") -> StagingStore:
    """The store for a staging root: ``s3://bucket/prefix`` or a local directory."""
    store: StagingStore
    if location.startswith("s3://"):
        from airflow_dataduct.s3_staging import S3StagingStore

        store = S3StagingStore(location, aws_conn_id)
    else:
        store = LocalStagingStore(location)
    store.aws_conn_id = aws_conn_id
    return store


def open_location(uri: str, aws_conn_id: str = "aws_default") -> IO[bytes]:
    """A binary stream of one object: ``s3://bucket/key`` or a local file path."""
    if uri.startswith("s3://"):
        from airflow_dataduct.s3_staging import open_s3_object

        return open_s3_object(uri, aws_conn_id)
    return open(uri.removeprefix("file://"), "rb")


def listing_manifest(uri: str, aws_conn_id: str = "aws_default") -> Manifest:
    """A manifest of existing data that no extract staged (``extract-s3``, ``input_path``):
    the object ``uri``, or every object under it, each part named by its full URI. The data is
    Dataduct TSV (spec §2.5), gzip where the name ends in ``.gz``; ``rows`` is not counted."""
    from airflow_dataduct import dataduct_tsv

    if uri.startswith("s3://"):
        from airflow_dataduct.s3_staging import list_s3_objects

        objects = list_s3_objects(uri, aws_conn_id)
    else:
        objects = _list_local(Path(uri.removeprefix("file://")))
    if not objects:
        raise FileNotFoundError(f"no data at {uri}")
    parts = tuple(Part(name, 0, size) for name, size in objects)
    return Manifest(uri, parts, 0, format=dataduct_tsv.FORMAT_NAME, compression="auto")


def _list_local(path: Path) -> list[tuple[str, int]]:
    if path.is_file():
        return [(str(path), path.stat().st_size)]
    if not path.is_dir():
        return []
    files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [(str(p), p.stat().st_size) for p in files]


HADOOP_SUCCESS = "_SUCCESS"


def hadoop_output_manifest(store: StagingStore, prefix: str) -> Manifest:
    """A manifest of a Hadoop job's output folder (an EMR step's output node): every part file
    under ``prefix``, once the job's ``_SUCCESS`` marker exists. Names starting with ``_`` or
    ``.`` (``_SUCCESS``, ``_logs/``) and the load's own manifests are skipped. The parts are
    interchange TSV, gzip where named ``.gz``; ``rows`` is -1 (not counted)."""
    try:
        store.read_text(prefix, HADOOP_SUCCESS)
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no completed job output at {store.uri(prefix)}: {HADOOP_SUCCESS} is missing"
        ) from None
    base = store.uri(prefix).rstrip("/") + "/"
    if base.startswith("s3://"):
        from airflow_dataduct.s3_staging import list_s3_objects

        objects = list_s3_objects(base, store.aws_conn_id)
    else:
        objects = _list_local(Path(base))
    parts = []
    for uri, size in objects:
        name = uri.removeprefix(base)
        hidden = any(p.startswith(("_", ".")) for p in name.split("/"))
        if not hidden and name not in (MANIFEST, COPY_MANIFEST):
            parts.append(Part(name, -1, size))
    return Manifest(prefix, tuple(parts), -1, compression="auto")


def copy_staged(
    source: StagingStore, manifest: Manifest, target_uri: str, aws_conn_id: str = "aws_default"
) -> str:
    """Copy committed parts and their manifest to ``target_uri`` (Dataduct's ``output_path``);
    the pipeline's own steps keep reading the run's staging. Returns the target's URI."""
    target = open_store(target_uri.rstrip("/"), aws_conn_id)
    with tempfile.TemporaryDirectory(prefix="dataduct-copy-") as scratch:
        local = Path(scratch) / "part"
        for part in manifest.parts:
            with source.open_raw(manifest.prefix, part.name) as raw, open(local, "wb") as out:
                shutil.copyfileobj(raw, out, READ_CHUNK)
            target.put_file("", part.name, local)
    target.publish_manifest(dataclasses.replace(manifest, prefix=""))
    if manifest.parts:
        target.remove_other_attempts("", manifest.parts[0].name.split("/")[0])
    return target.uri("")
