"""Where the parse cache lives, what a definitions folder's state is, and the errors its last
full scan found: the standard library only, so that the error-report DAG file can decide in
milliseconds that nothing changed."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from airflow_dataduct import __version__
from airflow_dataduct.errors import DefinitionError, Location

CACHE_ENV = "DATADUCT_CACHE_DIR"
DEFINITIONS_ENV = "DATADUCT_DEFINITIONS_DIR"
STATE_ENV_PREFIXES = ("DATADUCT_", "AIRFLOW__CORE__EXECUTOR")
"""Environment variables that change what a folder validates to (the mode, the paths, the
executor that a local staging location is checked against)."""


def default_root() -> Path | None:
    """``$DATADUCT_CACHE_DIR`` (``off``: no cache), else a per-user temporary folder."""
    configured = os.environ.get(CACHE_ENV)
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"airflow-dataduct-cache-{os.getuid()}"


def private_root() -> Path | None:
    """:func:`default_root`, created owner-only; None when it is off, or not private to this
    user (another user could plant entries there)."""
    root = default_root()
    if root is None:
        return None
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        stat = root.stat()
    except OSError:
        return None
    if stat.st_uid != os.getuid() or stat.st_mode & 0o077:
        return None
    return root


def installed_entry_points(group: str) -> list[tuple[str, str]]:
    """(name, ``module:attr``) of the installed packages' entry points in ``group``.

    Scanning every installed distribution's metadata costs ~20 ms a process, and every parse
    is a new process: the result is kept in the private cache folder, keyed by the modification
    times of the ``sys.path`` folders (installing, upgrading or removing a package changes its
    folder)."""
    digest = hashlib.sha256(group.encode())
    for entry in sys.path:
        try:
            digest.update(f"\0{entry}\0{os.stat(entry or '.').st_mtime_ns}".encode())
        except OSError:
            digest.update(f"\0{entry}\0-".encode())
    root = private_root()
    path = root / f"entry-points-{digest.hexdigest()[:24]}.json" if root else None
    if path is not None:
        try:
            return [tuple(point) for point in json.loads(path.read_text())]  # type: ignore[misc]
        except (OSError, ValueError, TypeError):
            pass
    # deferred: the metadata scan is what this function avoids
    from importlib.metadata import entry_points

    found = sorted((point.name, point.value) for point in entry_points(group=group))
    if path is not None:
        _write_atomically(path, json.dumps(found))
    return found


def _write_atomically(path: Path, text: str) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        pass


def definitions_dir(default: str | Path) -> Path:
    """``$DATADUCT_DEFINITIONS_DIR`` when set, else ``default``."""
    return Path(os.environ.get(DEFINITIONS_ENV) or default)


@functools.cache
def code_version() -> str:
    """The package version plus a digest of its source files' sizes and mtimes, so that a
    code change (even without a version bump) never serves results of older code."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def folder_state(watched: Iterable[str], env_names: Iterable[str] = ()) -> str:
    """A digest of what a scan read, by metadata: every file under each watched folder (or the
    watched file itself) with its size and mtime, the code version, and the environment
    variables that change validation (``env_names`` plus :data:`STATE_ENV_PREFIXES`)."""
    digest = hashlib.sha256(code_version().encode())
    names = {n for n in os.environ if n.startswith(STATE_ENV_PREFIXES)} | set(env_names)
    for name in sorted(names):
        digest.update(f"\0env\0{name}={os.environ.get(name)}".encode())
    for root in sorted(set(watched)):
        digest.update(f"\0root\0{root}".encode())
        for path in _files(Path(root)):
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"\0{path}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    found = []
    for directory, subdirs, names in os.walk(root):
        subdirs.sort()
        found += [Path(directory) / name for name in sorted(names)]
    return found


ERRORS_FORMAT = 1
"""Version of the recorded-errors file."""


def summary_path(folder: Path) -> Path | None:
    """Where the last full scan of ``folder`` left its errors (None: no private cache folder)."""
    root = private_root()
    if root is None:
        return None
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    return root / f"errors-{digest}.json"


def record_errors(
    folder: Path,
    errors: list[DefinitionError],
    watched: list[str],
    env_names: list[str],
    state: str,
) -> None:
    """Keep a full scan's errors with the state it read (atomically; failures cost a rescan)."""
    path = summary_path(folder)
    if path is None:
        return
    data = {
        "format": ERRORS_FORMAT,
        "state": state,
        "watched": watched,
        "env": env_names,
        "errors": [_as_dict(e) for e in errors],
    }
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".errors-")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
    except OSError:
        pass


def recorded_errors(folder: Path) -> list[DefinitionError] | None:
    """The errors of the last full scan if nothing it read has changed since, else None."""
    path = summary_path(folder)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text())
        if data.get("format") != ERRORS_FORMAT:
            return None
        if folder_state(data["watched"], data["env"]) != data["state"]:
            return None
        return [_from_dict(e) for e in data["errors"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _as_dict(error: DefinitionError) -> dict[str, object]:
    where = error.location
    return {
        "message": error.message,
        "path": where.path,
        "line": where.line,
        "column": where.column,
        "key": error.key,
    }


def _from_dict(data: dict[str, object]) -> DefinitionError:
    location = Location(str(data["path"]), int(data["line"]), int(data["column"]))  # type: ignore[call-overload]
    return DefinitionError(str(data["message"]), location, key=data["key"])  # type: ignore[arg-type]
