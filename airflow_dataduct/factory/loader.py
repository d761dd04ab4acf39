"""What the files in ``dags/`` call: build every valid pipeline, report every broken one.

Airflow drops every DAG of a file that raises, so the two jobs live in two files: the loader
file never raises and registers the valid pipelines; the error file defines no DAG and raises
one error listing every broken definition, which the UI shows as that file's import error.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.factory.cache import PipelineCache, fingerprint
from airflow_dataduct.factory.custom_steps import registered_files
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.factory.state import (
    default_root,
    definitions_dir,
    folder_state,
    record_errors,
)
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline, parse_pipeline, pipeline_files
from airflow_dataduct.model.yaml_source import read_definition

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error while validating this file (please report it)"


@dataclass
class Scan:
    """The outcome of reading a definitions folder."""

    pipelines: list[Pipeline] = field(default_factory=list)
    errors: list[DefinitionError] = field(default_factory=list)
    config: DataductConfig | None = None


def scan(folder: str | Path, only_dag_id: str | None = None) -> Scan:
    """Validate every pipeline of ``folder``; never raises for a bad definition. A full scan
    also records its errors for the error-report DAG file, with the state of what it read
    (kept only when that state did not change during the scan)."""
    if only_dag_id is not None:
        return _scan(Path(folder), only_dag_id)
    folder = Path(folder)
    before = _watched(folder, None)
    state = folder_state(*before)
    result = _scan(folder, None)
    if folder_state(*before) == state:  # the folder did not change while it was read
        watched = _watched(folder, result.config)
        record_errors(folder, result.errors, *watched, folder_state(*watched))
    return result


def _watched(folder: Path, config: DataductConfig | None) -> tuple[list[str], list[str]]:
    """(files and folders, environment variable names) a scan of ``folder`` depends on."""
    airflow_home = Path(os.environ.get("AIRFLOW_HOME", "~/airflow")).expanduser()
    paths = {str(folder), os.environ.get("AIRFLOW_CONFIG") or str(airflow_home / "airflow.cfg")}
    names: set[str] = set()
    if config is not None:
        paths |= {config.path, str(config.base_dir), str(config.custom_steps_dir)}
        paths |= set(registered_files())
        config_path = Path(config.path)
        if config_path.is_file():
            names |= set(_ENV_REFERENCE.findall(config_path.read_text(encoding="utf-8")))
    return sorted(paths), sorted(names)


_ENV_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _scan(folder: Path, only_dag_id: str | None) -> Scan:
    result = Scan()
    if not folder.is_dir():
        result.errors.append(DefinitionError("definitions folder not found", Location(str(folder))))
        return result
    try:
        config = result.config = open_definitions(folder)
    except DefinitionErrors as exc:
        result.errors.extend(exc.errors)
        return result
    seen: dict[str, str] = {}
    files = pipeline_files(folder)
    # A task-start parse validates one file: cheaper than fingerprinting the folder for the cache.
    cache = _cache(folder, files, config) if only_dag_id is None else None
    for path in files:
        if only_dag_id is not None and not _may_define(path, only_dag_id, config):
            continue
        try:
            pipeline = _read_cached(path, config, cache)
        except DefinitionErrors as exc:
            result.errors.extend(exc.errors)
            continue
        except Exception as exc:  # a validator bug must not hide the other pipelines
            log.exception("Unexpected error reading %s", path)
            message = f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}"
            result.errors.append(DefinitionError(message, Location(str(path), 1, 1)))
            continue
        if pipeline.dag_id in seen:
            message = f"pipeline '{pipeline.dag_id}' is already defined in {seen[pipeline.dag_id]}"
            result.errors.append(DefinitionError(message, Location(str(path), 1, 1), "name"))
            continue
        seen[pipeline.dag_id] = str(path)
        if only_dag_id is None or pipeline.dag_id == only_dag_id:
            result.pipelines.append(pipeline)
    if cache:
        cache.after_scan()
    return result


_NAME_LINE = re.compile(
    r"""^name:[ \t]*["']?([A-Za-z0-9_.\-]+)["']?[ \t]*(?:#.*)?$""", re.MULTILINE
)


def _cache(folder: Path, files: list[Path], config: DataductConfig) -> PipelineCache | None:
    """The parse cache for the folder's current state, or None when it is turned off."""
    root = default_root()
    if root is None:
        return None
    folders = [folder]
    base = config.base_dir
    if not base.is_relative_to(folder.resolve()):
        folders.append(base)
    config_path = Path(config.path)
    config_text = config_path.read_text(encoding="utf-8") if config_path.is_file() else ""
    # The key holds what the file's text does not: the active mode, the expanded paths and the
    # versions of the custom step classes.
    config_text += f"\0mode={config.mode}\0{base}\0{config.custom_steps_dir}"
    config_text += f"\0{folder_state(registered_files())}"
    return PipelineCache(root, folder, fingerprint(folders, {*files, config_path}), config_text)


def _read_cached(path: Path, config: DataductConfig, cache: PipelineCache | None) -> Pipeline:
    """A validated pipeline from the cache, or read and validated (then cached)."""
    try:
        text = read_definition(path)
    except DefinitionError as exc:
        raise DefinitionErrors([exc]) from None
    pipeline = cache.get(path, text) if cache else None
    if pipeline is None:
        if cache:
            cache.before_validation()
        pipeline = parse_pipeline(text, path, config)
        if cache:
            cache.put(path, text, pipeline)
    return pipeline


def _may_define(path: Path, dag_id: str, config: DataductConfig) -> bool:
    """False only when the file's top-level ``name:`` line says it defines another DAG.

    A task-start parse needs one DAG: this skips validating the others (dag_ids are unique,
    so a file naming another pipeline cannot be the one). Anything unusual is read in full.
    """
    try:
        match = _NAME_LINE.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return True
    if match is None:
        return True
    prefix = config.defaults.name_prefix
    name = match.group(1)
    return (f"{prefix}_{name}" if prefix else name) == dag_id


def _parsing_dag_id() -> str | None:
    """The one dag_id a task-start parse needs, if this is one."""
    try:
        # deferred: parse time
        from airflow.sdk import get_parsing_context
    except ImportError:  # pragma: no cover - Airflow is a dependency
        return None
    return get_parsing_context().dag_id


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while DAGs are built: building thousands of operators
    makes it run over and over (a fifth of the parse), while what is built stays alive."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_dags(default_folder: str | Path) -> dict[str, Any]:
    """Every valid pipeline's DAG, by dag_id; a broken pipeline is skipped, never raised."""
    with _collector_paused():
        return _load_dags(default_folder)


def _load_dags(default_folder: str | Path) -> dict[str, Any]:
    # deferred: parse time
    from airflow_dataduct.factory.dag import build_dag

    folder = definitions_dir(default_folder)
    result = scan(folder, only_dag_id=_parsing_dag_id())
    dags = {}
    for pipeline in result.pipelines:
        assert result.config is not None
        try:
            dags[pipeline.dag_id] = build_dag(pipeline, result.config)
        except Exception as exc:  # one bad pipeline must not take the others down
            log.exception("Pipeline %s could not be built: %s", pipeline.path, exc)
    return dags
