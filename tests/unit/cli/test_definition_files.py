"""``validate`` on a file the loader never reads; ``database create`` of one table twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_dataduct.cli.main import main

PIPELINE = "name: p\nsteps:\n-   step_type: transform\n    command: echo hi\n    no_output: true\n"


@pytest.mark.parametrize("name", ["p.yaml.bak", "p.txt", "p"])
def test_validate_says_the_loader_never_reads_a_file_without_a_yaml_suffix(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / name).write_text(PIPELINE)
    assert main(["validate", str(tmp_path / name)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / name}:1:1: not a definition file: the loader reads pipelines" in out
    (tmp_path / "p.yml").write_text(PIPELINE)
    assert main(["validate", str(tmp_path / "p.yml")]) == 0


def test_database_create_of_two_files_defining_one_table_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.sql", tmp_path / "b.sql"
    first.write_text("CREATE TABLE prod.users (id INT);")
    second.write_text("create table PROD.USERS (id BIGINT, name TEXT);")
    assert main(["database", "create", str(first), str(second)]) == 1
    captured = capsys.readouterr()
    assert f"{second}:1:1: table prod.users is also defined in {first}" in captured.err
    assert captured.out == ""  # no script printed
    assert main(["database", "create", str(first)]) == 0
