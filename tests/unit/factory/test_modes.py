"""One definitions folder, two modes: the DAGs differ exactly as the modes say."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from airflow_dataduct.factory.loader import load_dags

CONFIG = """\
hosts: {maestro: dataduct_maestro}
staging: {location: /tmp/dataduct-modes-base}
defaults:
  dp_tags:
    team: {string: data}
    Name: {variable: name}
modes:
  dev:
    defaults:
      name_prefix: dev
      frequency_override: one-time
      dependency_override: true
  production:
    defaults:
      queue: etl
      dp_tags: {team: {string: data}, env: {string: production}}
"""

PIPELINE = """\
name: orders
frequency: daily
load_time: "03:30"
steps:
-   step_type: pipeline-dependencies
    name: wait
    dependent_pipelines: [users]
-   step_type: transform
    name: work
    depends_on: wait
    command: echo done
    no_output: true
"""


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    definitions = tmp_path / "defs"
    definitions.mkdir()
    (definitions / "dataduct.yaml").write_text(CONFIG)
    (definitions / "orders.yaml").write_text(textwrap.dedent(PIPELINE))
    monkeypatch.setenv("DATADUCT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DATADUCT_DEFINITIONS_DIR", raising=False)
    return definitions


def build(folder: Path, mode: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATADUCT_MODE", mode)
    (dag,) = load_dags(folder).values()
    return dag


def summary(dag: Any) -> dict[str, Any]:
    return {
        "dag_id": dag.dag_id,
        "schedule": type(dag.timetable).__name__,
        "tags": sorted(dag.tags),
        "tasks": {t.task_id: (type(t).__name__, t.queue) for t in dag.tasks},
    }


def test_dev_and_production_dags_differ_exactly_as_the_modes_say(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev, production = (summary(build(folder, m, monkeypatch)) for m in ("dev", "production"))
    assert dev == {
        "dag_id": "dev_orders",
        "schedule": "OnceTimetable",
        "tags": ["Name:dev_orders", "dataduct", "one-time", "team:data"],
        "tasks": {"wait": ("EmptyOperator", "default"), "work": ("TransformOperator", "default")},
    }
    assert production == {
        "dag_id": "orders",
        "schedule": "CronDataIntervalTimetable",
        "tags": ["daily", "dataduct", "env:production", "team:data"],
        "tasks": {
            "wait": ("PipelineDependenciesSensor", "etl"),
            "work": ("TransformOperator", "etl"),
        },
    }


def test_every_dag_shows_its_mode_and_an_overridden_frequency(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = build(folder, "dev", monkeypatch).doc_md
    assert "Mode: `dev` (`$DATADUCT_MODE`)." in doc
    assert "Runs `one-time` (`defaults.frequency_override`; the file says `daily`)" in doc
    assert "Mode: `production`" in build(folder, "production", monkeypatch).doc_md


def test_a_mode_change_never_serves_a_pipeline_cached_in_another_mode(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):  # the second round reads every pipeline from the parse cache
        assert build(folder, "dev", monkeypatch).dag_id == "dev_orders"
        assert build(folder, "production", monkeypatch).dag_id == "orders"
    assert any((folder.parent / "cache").rglob("*.pickle"))


def test_an_unknown_mode_builds_no_dag(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATADUCT_MODE", "staging")
    assert load_dags(folder) == {}
