"""The parse benchmark's corpus (benchmarks/generate.py): every definition valid, a team's
mix of step types, tables and anchors, and the same DAGs three ways (ours, plain Python with
Airflow's own operators, dag-factory 1.1), checked per DAG by benchmarks.shape."""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import (
    EMR_STEPS,
    STEP_TYPES,
    corpus,
    pipeline_yaml,
    write_dag_factory,
    write_dataduct,
    write_plain_python,
)
from benchmarks.shape import DAG_FACTORY_FIELDS, compare, describe
from benchmarks.worker import load_dag_file

ROOT = Path(__file__).resolve().parents[2]
DAG_FACTORY_DEPS = ROOT / ".local" / "bench" / "deps"
"""Where the benchmark installs dag-factory (``--no-deps``, apart from the project)."""
COUNT = 5


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    plan = corpus(COUNT)
    write_dataduct(root / "dataduct", plan)
    write_plain_python(root / "plain.py", plan)
    write_dag_factory(root / "dagfactory", root / "dagfactory_loader.py", plan)
    return root


@pytest.fixture
def definitions(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The loader files read the generated folder, without the parse cache."""
    monkeypatch.setenv("DATADUCT_DEFINITIONS_DIR", str(folder / "dataduct"))
    monkeypatch.setenv("DATADUCT_CACHE_DIR", "off")
    return folder / "dataduct"


@pytest.fixture
def ours(definitions: Path) -> dict[str, Any]:
    return describe(load_dag_file(str(ROOT / "dags" / "dataduct_pipelines.py")))


def test_every_definition_is_valid(definitions: Path, ours: dict[str, Any]) -> None:
    load_dag_file(str(ROOT / "dags" / "dataduct_definition_errors.py"))  # raises on any error
    assert len(ours) == COUNT


def test_corpus_looks_like_a_teams_folder() -> None:
    plan = corpus(COUNT)
    steps = Counter(s.step_type for p in plan.pipelines for s in p.steps)
    assert set(STEP_TYPES) <= set(steps), set(STEP_TYPES) - set(steps)
    assert any(t in steps for t in EMR_STEPS)
    for pipeline in plan.pipelines:
        assert 10 <= len(pipeline.steps) <= 20, pipeline.name
        loads = sum(s.step_type == "create-load-redshift" for s in pipeline.steps)
        assert 2 <= loads <= 4, pipeline.name
    texts = [pipeline_yaml(p) for p in plan.pipelines]
    assert any("<<: *" in t for t in texts) and any(": *source_host" in t for t in texts)
    shared = [t for t in texts if "tables/shared/" in t]
    assert shared and any(f.startswith("tables/shared/") for f in plan.files)
    assert any(f.startswith("cassandra_tables/") for f in plan.files)


def test_corpus_is_deterministic() -> None:
    first, second = corpus(COUNT), corpus(COUNT)
    assert [pipeline_yaml(p) for p in first.pipelines] == [
        pipeline_yaml(p) for p in second.pipelines
    ]
    assert first.files == second.files


def test_plain_python_builds_the_same_dags(folder: Path, ours: dict[str, Any]) -> None:
    plain = describe(load_dag_file(str(folder / "plain.py")))
    assert compare(ours, plain, "plain Python") == []


def test_dag_factory_builds_the_same_dags(
    folder: Path, ours: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if DAG_FACTORY_DEPS.is_dir():
        monkeypatch.syspath_prepend(str(DAG_FACTORY_DEPS))
    if importlib.util.find_spec("dagfactory") is None:
        pytest.skip("dag-factory is not installed (python -m benchmarks --only parse does)")
    monkeypatch.syspath_prepend(str(folder))  # bench_helpers, as Airflow adds the DAG folder
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    factory = describe(load_dag_file(str(folder / "dagfactory_loader.py")))
    sys.modules.pop("bench_helpers", None)
    assert compare(ours, factory, "dag-factory", DAG_FACTORY_FIELDS) == []


def test_the_check_reports_every_kind_of_difference(ours: dict[str, Any]) -> None:
    dag_id = next(d for d in ours if "create_emr_cluster" in ours[d]["tasks"])
    theirs = copy.deepcopy(ours)
    dag = theirs[dag_id]
    dag["schedule"] = "@daily"
    terminate = dag["tasks"]["terminate_emr_cluster"]
    terminate["teardown"] = False
    terminate["upstream"] = terminate["upstream"][1:]
    task_id, task = next((t, v) for t, v in dag["tasks"].items() if v["outlets"])
    task["outlets"] = []
    task["failure_callback"] = False
    task["retries"] += 1
    dag["tasks"]["extra"] = copy.deepcopy(task)
    del theirs[next(d for d in ours if d != dag_id)]
    problems = compare(ours, theirs, "baseline")
    expected = [
        f"{dag_id}: schedule",
        f"{dag_id}.terminate_emr_cluster: upstream",
        f"{dag_id}.terminate_emr_cluster: teardown",
        f"{dag_id}.{task_id}: retries",
        f"{dag_id}.{task_id}: failure_callback",
        f"{dag_id}.{task_id}: outlets",
        f"{dag_id}.extra: task only in baseline",
        "only in ours",
    ]
    for text in expected:
        assert any(text in p for p in problems), (text, problems)
    assert len(problems) == len(expected)
