"""``airflow-dataduct validate``: the pull-request gate."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_dataduct.cli.main import main
from airflow_dataduct.model.pipeline import pipeline_files

ROOT = Path(__file__).resolve().parents[3]
BROKEN = ROOT / "tests" / "fixtures" / "broken"
ERROR_LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")


def test_validate_passes_on_the_committed_definitions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ROOT / "dag_definitions")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    count = len(pipeline_files(ROOT / "dag_definitions"))
    assert f"{count} pipeline(s) valid, 0 error(s)" in captured.err


def test_validate_prints_every_error_as_file_line_col(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN)]) == 1
    lines = capsys.readouterr().out.splitlines()
    broken_files = {p.name for p in BROKEN.glob("*.yaml")} - {"dataduct.yaml"}
    assert {Path(ERROR_LINE.match(line)["path"]).name for line in lines} == broken_files
    assert all(ERROR_LINE.match(line) for line in lines), lines


def test_validate_checks_a_single_table_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BROKEN / "tables" / "good.sql")]) == 0
    assert main(["validate", str(BROKEN / "tables" / "broken.sql")]) == 1
    out = capsys.readouterr().out
    assert re.search(r"broken\.sql:4:17: .*after column 'name', found '\('", out), out


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "airflow-dataduct"
    result = subprocess.run(
        [str(script), "validate", str(BROKEN / "unknown_step_type.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "unknown_step_type.yaml:5:16: unknown step type 'extract-rdss'" in result.stdout
