"""A real ``airflow dag-processor`` run: broken YAML shows as one import error, good DAGs stay."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import AIRFLOW, ROOT

pytestmark = pytest.mark.integration

BROKEN = ROOT / "tests" / "fixtures" / "broken"
BROKEN_FILES = ("unknown_step_type.yaml", "malformed.yaml", "cycle.yaml")


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


def json_output(stdout: str) -> list[dict[str, str]]:
    """The JSON document of a CLI's output (Airflow may print log lines before it)."""
    line = next(line for line in stdout.splitlines() if line.startswith("["))
    return json.loads(line)


@pytest.fixture
def processed(tmp_path: Path) -> dict[str, str]:
    """A fresh Airflow home whose dag-processor has parsed good and broken definitions."""
    definitions = tmp_path / "dag_definitions"
    shutil.copytree(ROOT / "dag_definitions", definitions)
    shutil.copytree(BROKEN / "tables", definitions / "tables", dirs_exist_ok=True)
    for name in BROKEN_FILES:
        shutil.copy(BROKEN / name, definitions / name)
    second = (definitions / "users.yaml").read_text().replace("name: users", "name: users_copy")
    (definitions / "users_copy.yaml").write_text(second)
    dags = tmp_path / "dags"
    shutil.copytree(ROOT / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "DATADUCT_DEFINITIONS_DIR": str(definitions),
    }
    assert airflow(env, "db", "migrate").returncode == 0
    result = airflow(env, "dag-processor", "--num-runs", "1")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return env


def test_dag_processor_keeps_good_pipelines_and_reports_broken_ones(
    processed: dict[str, str],
) -> None:
    listed = airflow(processed, "dags", "list", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    dag_ids = {d["dag_id"] for d in json_output(listed.stdout)}
    assert {"users", "users_copy", "votes"} <= dag_ids  # and any other committed pipeline

    errors = airflow(processed, "dags", "list-import-errors", "-o", "json")
    assert errors.returncode == 1, "the command exits 1 when there are import errors"
    reported = json_output(errors.stdout)
    assert [Path(e["filepath"]).name for e in reported] == ["dataduct_definition_errors.py"]
    text = reported[0]["error"]
    assert "unknown_step_type.yaml:5:16: unknown step type 'extract-rdss'" in text
    assert "malformed.yaml:6:10: invalid YAML" in text
    assert "cycle.yaml:4:5: steps form a cycle" in text
