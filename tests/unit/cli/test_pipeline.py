"""``airflow-dataduct`` for pull requests: validate --format json, render, graph, new, and the
pre-commit hook definition."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from airflow_dataduct.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = ROOT / "dag_definitions"
BROKEN = ROOT / "tests" / "fixtures" / "broken"


def test_validate_json_lists_every_error_with_its_position(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--format", "json", str(BROKEN / "misspelt_key.yaml")]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid_pipelines"] == 0
    assert report["error_count"] == len(report["errors"]) >= 1
    assert all(e["path"].endswith("misspelt_key.yaml") for e in report["errors"])
    assert all(e["line"] > 0 and e["column"] > 0 for e in report["errors"])
    (typo,) = [e for e in report["errors"] if "did you mean" in e["message"]]
    assert (typo["line"], typo["column"]) == (10, 5)


def test_validate_json_of_valid_definitions_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "json", str(DEFINITIONS)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == [] and report["valid_pipelines"] >= 1


def test_validate_of_the_config_file_checks_its_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN / "dataduct.yaml")]) == 1
    assert "misspelt_key.yaml" in capsys.readouterr().out


def test_render_prints_each_task_sql_for_the_dialect_and_date(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["render", "users", "--definitions", str(DEFINITIONS), "--date", "2026-03-05"]
    assert main([*args, "--dialect", "postgres"]) == 0
    out = capsys.readouterr().out
    assert "== ExtractRdsStep0 (ExtractRdsOperator)" in out
    assert "users/scheduled__2026-03-05T12_00_00_00_00/ExtractRdsStep0" in out
    assert "COPY staging.maestro_users (id, user_name, user_email) FROM STDIN" in out
    assert "SELECT COUNT(*) FROM (SELECT id FROM users) AS dataduct_count" in out
    assert out.index("== ExtractRdsStep0") < out.index("== upsert_users")
    assert main([*args, "--dialect", "redshift"]) == 0
    assert "MANIFEST GZIP DELIMITER" in capsys.readouterr().out


def test_render_of_an_unknown_pipeline_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "nope", "--definitions", str(DEFINITIONS)]) == 1
    assert "no pipeline named 'nope'" in capsys.readouterr().out


def test_graph_prints_text_and_mermaid_edges(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(DEFINITIONS / "users.yaml")]) == 0
    text = capsys.readouterr().out.splitlines()
    assert "upsert_users [UpsertOperator] -> CountCheckStep0, PrimaryKeyCheckStep0" in text
    assert "CountCheckStep0 [CountCheckOperator] -> (end)" in text
    assert main(["graph", "users", "--definitions", str(DEFINITIONS), "--format", "mermaid"]) == 0
    mermaid = capsys.readouterr().out.splitlines()
    assert mermaid[0] == "flowchart LR"
    assert "  ExtractRdsStep0 --> load_staging" in mermaid
    assert "  upsert_users --> PrimaryKeyCheckStep0" in mermaid


def test_new_writes_a_starter_that_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    shutil.copy(DEFINITIONS / "dataduct.yaml", folder / "dataduct.yaml")
    assert main(["new", "orders", "--definitions", str(folder)]) == 0
    text = (folder / "orders.yaml").read_text()
    assert text.startswith("# orders: a Dataduct pipeline")
    assert "host_name: maestro" in text
    assert (folder / "tables" / "staging.orders.sql").exists()
    assert main(["validate", str(folder)]) == 0
    assert main(["new", "orders", "--definitions", str(folder)]) == 1, "never overwrites"
    assert main(["new", "bad name", "--definitions", str(folder)]) == 2


def test_pre_commit_hook_runs_validate_on_changed_definitions() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "airflow-dataduct-validate"
    assert hook["entry"] == "airflow-dataduct validate"
    assert hook["pass_filenames"] is True
    import re

    files = re.compile(hook["files"])
    assert files.search("dag_definitions/users.yaml")
    assert files.search("dag_definitions/tables/prod.users.sql")
    assert not files.search("README.md")
