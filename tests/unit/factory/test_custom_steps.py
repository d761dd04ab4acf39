"""Custom step types: from dataduct.yaml's ``custom_steps`` and from entry points."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_dataduct.builders import BUILDERS
from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory import custom_steps
from airflow_dataduct.factory.dag import build_dag
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.pipeline import read_pipeline
from airflow_dataduct.model.steps import STEP_KINDS, STEP_MODELS

ROOT = Path(__file__).resolve().parents[3]

STEP_FILE = """
from airflow.providers.standard.operators.empty import EmptyOperator

from airflow_dataduct.model.steps.base import StepParams


class GreetParams(StepParams):
    greeting: str


class GreetStep:
    params = GreetParams

    @staticmethod
    def build(ctx, step):
        return EmptyOperator(task_id=step.name, doc=step.params.greeting)
"""


@pytest.fixture(autouse=True)
def restore_registries() -> Iterator[None]:
    """Custom steps register process-wide: put the built-ins back after each test."""
    saved = (dict(STEP_MODELS), dict(STEP_KINDS), dict(BUILDERS))
    yield
    for registry, copy in zip((STEP_MODELS, STEP_KINDS, BUILDERS), saved, strict=True):
        registry.clear()
        registry.update(copy)


def definitions(tmp_path: Path, entry: str, pipeline: str) -> Path:
    (tmp_path / "steps").mkdir(parents=True)
    (tmp_path / "steps" / "greet.py").write_text(STEP_FILE)
    (tmp_path / "dataduct.yaml").write_text(f"custom_steps_path: steps\ncustom_steps:\n{entry}")
    (tmp_path / "p.yaml").write_text(pipeline)
    return tmp_path


GREET_ENTRY = "- {step_type: greet, file_path: greet.py, class_name: GreetStep}\n"
GREET_PIPELINE = "name: p\nsteps:\n-   step_type: greet\n    greeting: hello\n"


def test_config_custom_step_validates_and_builds(tmp_path: Path) -> None:
    folder = definitions(tmp_path, GREET_ENTRY, GREET_PIPELINE)
    config = open_definitions(folder)
    pipeline = read_pipeline(folder / "p.yaml", config)
    (step,) = pipeline.steps
    assert step.name == "GreetStep0"
    assert step.params.greeting == "hello"  # type: ignore[attr-defined]
    dag = build_dag(pipeline, config)
    assert dag.get_task("GreetStep0").doc == "hello"


def test_custom_step_keys_are_validated_like_built_ins(tmp_path: Path) -> None:
    folder = definitions(tmp_path, GREET_ENTRY, GREET_PIPELINE.replace("greeting", "greting"))
    with pytest.raises(DefinitionErrors, match="greting"):
        read_pipeline(folder / "p.yaml", open_definitions(folder))


def test_custom_step_overrides_a_built_in(tmp_path: Path) -> None:
    entry = "- {step_type: extract-local, file_path: greet.py, class_name: GreetStep}\n"
    pipeline = "name: p\nsteps:\n-   step_type: extract-local\n    greeting: hi\n"
    folder = definitions(tmp_path, entry, pipeline)
    config = open_definitions(folder)
    dag = build_dag(read_pipeline(folder / "p.yaml", config), config)
    assert dag.get_task("GreetStep0").task_type == "EmptyOperator"


def test_custom_step_by_module_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "team_steps.py").write_text(STEP_FILE)
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = "- {step_type: greet, module: team_steps, class_name: GreetStep}\n"
    folder = definitions(tmp_path / "defs", entry, GREET_PIPELINE)
    assert read_pipeline(folder / "p.yaml", open_definitions(folder)).steps[0].step_type == "greet"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("- {step_type: greet, file_path: nope.py, class_name: GreetStep}\n", "not found"),
        ("- {step_type: greet, file_path: greet.py, class_name: Nope}\n", "no class 'Nope'"),
        (
            "- {step_type: greet, file_path: greet.py, class_name: GreetParams}\n",
            "needs a 'params'",
        ),
        ("- {step_type: greet, class_name: GreetStep}\n", "exactly one of 'module' or 'file_path'"),
    ],
)
def test_bad_custom_step_is_a_config_error(tmp_path: Path, entry: str, message: str) -> None:
    folder = definitions(tmp_path, entry, GREET_PIPELINE)
    with pytest.raises(DefinitionErrors, match=message) as exc:
        open_definitions(folder)
    assert "dataduct.yaml:3" in str(exc.value.errors[0].location)


def test_entry_point_registers_a_step_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "team_steps.py").write_text(STEP_FILE)
    monkeypatch.syspath_prepend(str(tmp_path))
    points = [("greet-ep", "team_steps:GreetStep")]
    monkeypatch.setattr(custom_steps, "installed_entry_points", lambda group: points)
    monkeypatch.setattr(custom_steps, "_entry_points_loaded", None)
    (tmp_path / "p.yaml").write_text(GREET_PIPELINE.replace("greet\n", "greet-ep\n"))
    pipeline = read_pipeline(tmp_path / "p.yaml", open_definitions(tmp_path))
    assert pipeline.steps[0].step_type == "greet-ep"
    monkeypatch.setattr(custom_steps, "_entry_points_loaded", None)


def test_committed_custom_step_example_validates() -> None:
    folder = ROOT / "dag_definitions" / "custom_steps"
    config = open_definitions(folder)
    pipeline = read_pipeline(folder / "custom_step_example.yaml", config)
    assert [s.step_type for s in pipeline.steps] == ["extract-local-logged", "create-load-redshift"]
    task = build_dag(pipeline, config).get_task("ExtractLocalLoggedStep0")
    assert task.task_type == "LoggedExtractLocalOperator"


def test_installed_entry_points_are_kept_until_a_sys_path_folder_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_dataduct.factory import state

    monkeypatch.setenv(state.CACHE_ENV, str(tmp_path / "cache"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    scans: list[str] = []
    real = importlib.metadata.entry_points

    def counting(group):  # type: ignore[no-untyped-def]
        scans.append(group)
        return real(group=group)

    monkeypatch.setattr(importlib.metadata, "entry_points", counting)
    first = state.installed_entry_points("apache_airflow_provider")
    assert ("provider_info", "airflow_dataduct:get_provider_info") in first
    assert state.installed_entry_points("apache_airflow_provider") == first
    assert scans == ["apache_airflow_provider"], "the second call read the kept list"
    (site / "new_package-1.0.dist-info").mkdir()  # an install changes the folder
    os.utime(site, ns=(site.stat().st_atime_ns, site.stat().st_mtime_ns + 1_000_000_000))
    state.installed_entry_points("apache_airflow_provider")
    assert len(scans) == 2
