"""What the files in ``dags/`` call: build every valid pipeline, report every broken one.

Airflow drops every DAG of a file that raises, so the two jobs live in two files: the loader
file never raises and registers the valid pipelines; the error file defines no DAG and raises
one error listing every broken definition, which the UI shows as that file's import error.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow_dataduct.config import DataductConfig, find_config
from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.model.pipeline import Pipeline, pipeline_files, read_pipeline

log = logging.getLogger(__name__)

DEFINITIONS_ENV = "DATADUCT_DEFINITIONS_DIR"


class BrokenDefinitions(Exception):
    """The import error of the error file: every broken definition, one per line."""


@dataclass
class Scan:
    """The outcome of reading a definitions folder."""

    pipelines: list[Pipeline] = field(default_factory=list)
    errors: list[DefinitionError] = field(default_factory=list)
    config: DataductConfig | None = None


def definitions_dir(default: str | Path) -> Path:
    """``$DATADUCT_DEFINITIONS_DIR`` when set, else ``default``."""
    return Path(os.environ.get(DEFINITIONS_ENV) or default)


def scan(folder: str | Path, only_dag_id: str | None = None) -> Scan:
    """Validate every pipeline of ``folder``; never raises for a bad definition."""
    result = Scan()
    folder = Path(folder)
    if not folder.is_dir():
        result.errors.append(DefinitionError("definitions folder not found", Location(str(folder))))
        return result
    try:
        config = result.config = find_config(folder)
    except DefinitionErrors as exc:
        result.errors.extend(exc.errors)
        return result
    seen: dict[str, str] = {}
    for path in pipeline_files(folder):
        try:
            pipeline = read_pipeline(path, config)
        except DefinitionErrors as exc:
            result.errors.extend(exc.errors)
            continue
        if pipeline.dag_id in seen:
            message = f"pipeline '{pipeline.dag_id}' is already defined in {seen[pipeline.dag_id]}"
            result.errors.append(DefinitionError(message, Location(str(path), 1, 1), "name"))
            continue
        seen[pipeline.dag_id] = str(path)
        if only_dag_id is None or pipeline.dag_id == only_dag_id:
            result.pipelines.append(pipeline)
    return result


def _parsing_dag_id() -> str | None:
    """The one dag_id a task-start parse needs, if this is one."""
    try:
        from airflow.sdk import get_parsing_context
    except ImportError:  # pragma: no cover - Airflow is a dependency
        return None
    return get_parsing_context().dag_id


def load_dags(default_folder: str | Path) -> dict[str, Any]:
    """Every valid pipeline's DAG, by dag_id; a broken pipeline is skipped, never raised."""
    from airflow_dataduct.dag_factory import build_dag

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


def raise_definition_errors(default_folder: str | Path) -> None:
    """Raise one BrokenDefinitions listing every broken definition; return if there is none."""
    folder = definitions_dir(default_folder)
    errors = scan(folder).errors
    if errors:
        lines = [str(e) for e in DefinitionErrors(errors).errors]
        raise BrokenDefinitions(
            f"{len(errors)} problem(s) in the Dataduct definitions of {folder}:\n"
            + "\n".join(lines)
        )
