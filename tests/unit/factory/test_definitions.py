"""Opening a definitions folder: a local staging directory is refused where tasks may run on
several machines (a distributed executor), unless it is declared a shared filesystem."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_dataduct.cli.main import main
from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.definitions import distributed_executors, open_definitions
from airflow_dataduct.factory.error_report import raise_definition_errors
from airflow_dataduct.factory.loader import load_dags

STARTER = """\
name: starter
steps:
-   step_type: extract-local
    path: rows.tsv
-   step_type: create-load-redshift
    table_definition: t.sql
"""


def definitions(folder: Path, staging: str) -> Path:
    folder.mkdir()
    (folder / "dataduct.yaml").write_text(f"warehouse:\n  conn_id: wh\nstaging:\n{staging}")
    (folder / "starter.yaml").write_text(STARTER)
    (folder / "rows.tsv").write_text("1\n")
    (folder / "t.sql").write_text("CREATE TABLE t (id INT);\n")
    return folder


def test_celery_with_local_staging_fails_validation_saying_why_and_how_to_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = definitions(tmp_path / "defs", "  location: /tmp/staging\n")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"{folder / 'dataduct.yaml'}:4:3: staging.location '/tmp/staging'" in out
    assert "(CeleryExecutor) runs tasks on several machines" in out
    assert "s3://bucket/prefix" in out and "staging.shared_filesystem: true" in out


def test_the_error_is_shown_like_every_definition_error_and_no_dag_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = definitions(tmp_path / "defs", "  location: staging\n")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor,CeleryExecutor")
    assert load_dags(folder) == {}
    with pytest.raises(Exception, match=r"dataduct\.yaml:4:3: staging\.location 'staging'"):
        raise_definition_errors(folder)


@pytest.mark.parametrize(
    "staging",
    ["  location: s3://bucket/prefix\n", "  location: /mnt/efs\n  shared_filesystem: true\n"],
)
def test_s3_or_a_declared_shared_filesystem_is_accepted_with_celery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, staging: str
) -> None:
    folder = definitions(tmp_path / "defs", staging)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    assert open_definitions(folder).staging.location in ("s3://bucket/prefix", "/mnt/efs")


def test_local_staging_is_accepted_with_the_local_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = definitions(tmp_path / "defs", "  location: /tmp/staging\n")
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "LocalExecutor")
    open_definitions(folder)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    with pytest.raises(DefinitionErrors):
        open_definitions(folder)


def test_the_default_staging_location_is_local_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "KubernetesExecutor")
    with pytest.raises(DefinitionErrors, match=r"dataduct\.yaml: staging\.location '/tmp/"):
        open_definitions(folder)


@pytest.mark.parametrize(
    ("setting", "distributed"),
    [
        ("LocalExecutor", []),
        ("SequentialExecutor", []),
        ("CeleryExecutor", ["CeleryExecutor"]),
        ("LocalExecutor, KubernetesExecutor", ["KubernetesExecutor"]),
        ("airflow.providers.edge3.executors.EdgeExecutor", ["EdgeExecutor"]),
        ("fast:my_team.executors.FastExecutor", ["FastExecutor"]),
    ],
)
def test_every_executor_but_the_single_machine_ones_counts_as_distributed(
    setting: str, distributed: list[str]
) -> None:
    assert distributed_executors(setting) == distributed
