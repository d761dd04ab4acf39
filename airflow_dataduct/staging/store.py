"""The staging area: where an extract leaves part files and a manifest for the load.

A step's output lives under ``<root>/<dag_id>/<run>/<step>/``. Each attempt writes its parts
under a fresh ``attempt-<id>/`` folder; ``manifest.json`` is written last, in one atomic step,
and names the parts of the attempt that completed. A load reads only what the manifest
lists, so a half-written extract is never loaded and a retry never mixes two attempts.
"""

from __future__ import annotations

import abc
import gzip
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from airflow_dataduct.staging import dataduct_tsv
from airflow_dataduct.staging.manifest import MANIFEST, Manifest, Part
from airflow_dataduct.staging.objects import open_location

READ_CHUNK = 1 << 20
log = logging.getLogger(__name__)


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
        parts are converted on the way, docs/staging.md)."""

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
