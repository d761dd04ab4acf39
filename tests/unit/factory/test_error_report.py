"""The error-report DAG file: the errors of the last full scan while nothing it read changed,
a new scan after any change; never a stale report."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from airflow_dataduct.errors import BrokenDefinitions
from airflow_dataduct.factory import loader
from airflow_dataduct.factory.error_report import raise_definition_errors
from airflow_dataduct.factory.state import CACHE_ENV

GOOD = """\
name: good
steps:
-   step_type: extract-local
    path: rows.tsv
-   step_type: create-load-redshift
    table_definition: t.sql
"""
BAD = GOOD.replace("name: good", "name: bad").replace("extract-local", "extract-locall")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    definitions = tmp_path / "defs"
    definitions.mkdir()
    (definitions / "good.yaml").write_text(GOOD)
    (definitions / "bad.yaml").write_text(BAD)
    (definitions / "rows.tsv").write_text("1\n")
    (definitions / "t.sql").write_text("CREATE TABLE t (id INT);\n")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    monkeypatch.delenv("AIRFLOW__CORE__EXECUTOR", raising=False)
    return definitions


def count_scans(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    scans: list[Path] = []
    real = loader.scan

    def counting(folder, only_dag_id=None):  # type: ignore[no-untyped-def]
        scans.append(Path(folder))
        return real(folder, only_dag_id)

    monkeypatch.setattr(loader, "scan", counting)
    return scans


def reported(folder: Path) -> str:
    with pytest.raises(BrokenDefinitions) as exc:
        raise_definition_errors(folder)
    return str(exc.value)


def test_an_unchanged_folder_reports_the_loaders_errors_without_validating(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader.load_dags(folder)  # the loader's DAG file scans the folder first
    scans = count_scans(monkeypatch)
    message = reported(folder)
    assert scans == []
    assert (
        "1 problem(s)" in message and "bad.yaml:3:16: unknown step type 'extract-locall'" in message
    )


def test_an_edit_is_seen_by_the_next_report(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reported(folder)
    scans = count_scans(monkeypatch)
    bad = folder / "bad.yaml"
    bad.write_text(GOOD.replace("name: good", "name: bad"))
    os.utime(bad, ns=(bad.stat().st_atime_ns, bad.stat().st_mtime_ns + 1_000_000_000))
    raise_definition_errors(folder)  # fixed: nothing to report
    assert scans == [folder]
    raise_definition_errors(folder)  # and unchanged again: no scan
    assert scans == [folder]


def test_a_change_of_executor_is_seen(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / "bad.yaml").unlink()
    (folder / "dataduct.yaml").write_text("staging:\n  location: /tmp/local-staging\n")
    raise_definition_errors(folder)
    monkeypatch.setenv("AIRFLOW__CORE__EXECUTOR", "CeleryExecutor")
    assert "staging.location" in reported(folder)
