"""A parse cache: validated pipelines kept on disk, keyed by the contents they came from.

Airflow parses the DAG folder in a fresh process every time, and again at every task start;
revalidating hundreds of YAML and table files each time is most of the loader's cost. An entry
is keyed by the package version, the pipeline file's path and text, the config's text, the
active mode (``$DATADUCT_MODE``), the expanded resource paths, the files of the registered
custom step classes (size and mtime), and a fingerprint of every other file under the
definitions folder (its contents; size and mtime for files over 1 MiB), so any edit anywhere in
the folder makes every entry miss once. Only valid pipelines are cached.
``DATADUCT_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from airflow_dataduct.factory.state import code_version, private_root
from airflow_dataduct.model.pipeline import TABLES, Pipeline

log = logging.getLogger(__name__)

FORMAT = "1"


HASHED_BYTES = 1 << 20


def fingerprint(folders: list[Path], skip: set[Path]) -> str:
    """A digest of every file under ``folders`` (except ``skip``): path and contents."""
    digest = hashlib.sha256()
    for folder in folders:
        for directory, subdirs, files in os.walk(folder):
            subdirs.sort()
            for name in sorted(files):
                path = Path(directory) / name
                if path in skip:
                    continue
                stat = path.stat()
                digest.update(f"{path}\0{stat.st_size}\0".encode())
                if stat.st_size <= HASHED_BYTES:
                    digest.update(path.read_bytes())
                else:
                    digest.update(str(stat.st_mtime_ns).encode())
    return digest.hexdigest()


class PipelineCache:
    """Validated pipelines of one definitions folder state; a miss or any error means 'parse'.

    Entries live under ``<root>/<folder digest>/<fingerprint>/``: a new state of a folder
    removes that folder's older states only.
    """

    def __init__(self, root: Path, folder: Path, folder_fingerprint: str, config_text: str) -> None:
        namespace = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
        self.namespace = root / namespace
        self.directory = self.namespace / folder_fingerprint[:24]
        self.config_digest = hashlib.sha256(config_text.encode()).hexdigest()
        self.enabled = self._prepare(root)
        self._tables_file = root / f"tables-{code_version()}.pickle"
        self._tables_read: int | None = None

    def _prepare(self, root: Path) -> bool:
        """Create the owner-only cache folder; disable the cache if it is not ours."""
        if private_root() != root:
            log.warning("Parse cache %s is not private to this user: not used", root)
            return False
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            for stale in self.namespace.iterdir():
                if stale != self.directory and stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
        except OSError as exc:
            log.warning("Parse cache %s unavailable: %s", root, exc)
            return False
        return True

    def before_validation(self) -> None:
        """Before this scan validates its first pipeline: the table definitions earlier parses
        read (keyed by path, size and mtime), so an edit re-parses only the edited file."""
        if not self.enabled or self._tables_read is not None:
            return
        try:
            with open(self._tables_file, "rb") as handle:
                TABLES.absorb(pickle.load(handle))  # our own owner-only cache folder
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass
        self._tables_read = len(TABLES)

    def after_scan(self) -> None:
        """Keep the table definitions this scan parsed, for the next parse."""
        if self._tables_read is None or len(TABLES) == self._tables_read:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self._tables_file.parent, prefix=".tables-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(TABLES.current(), handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._tables_file)
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            log.debug("Table definitions not kept: %s", exc)

    def _entry(self, path: Path, text: str) -> Path:
        key = hashlib.sha256(
            f"{FORMAT}\0{code_version()}\0{path}\0{self.config_digest}\0{text}".encode()
        ).hexdigest()
        return self.directory / f"{key}.pickle"

    def get(self, path: Path, text: str) -> Pipeline | None:
        """The cached pipeline for this exact file text, or None."""
        if not self.enabled:
            return None
        try:
            with open(self._entry(path, text), "rb") as handle:
                pipeline = pickle.load(handle)  # our own owner-only cache folder
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        return pipeline if isinstance(pipeline, Pipeline) else None

    def put(self, path: Path, text: str, pipeline: Pipeline) -> None:
        """Store a validated pipeline (atomically; failures only cost a future miss)."""
        if not self.enabled:
            return
        entry = self._entry(path, text)
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".entry-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(pipeline, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, entry)
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            log.debug("Parse cache entry %s not written: %s", entry, exc)
