"""Definitions Dataduct accepted are accepted; mistakes are validation errors, not run-time ones."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.model.config import load_config
from airflow_dataduct.model.pipeline import read_pipeline

TABLE = "CREATE TABLE prod.t (id INTEGER PRIMARY KEY, v VARCHAR(9));\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "prod.t.sql").write_text(TABLE)
    (tmp_path / "dataduct.yaml").write_text("hosts: {maestro: dataduct_maestro}\n")
    return tmp_path


def read(folder: Path, steps: str) -> object:
    path = folder / "p.yaml"
    path.write_text("name: p\nsteps:\n" + textwrap.indent(textwrap.dedent(steps), ""))
    return read_pipeline(path, load_config(folder / "dataduct.yaml", mode=""))


def errors(folder: Path, steps: str) -> list[str]:
    with pytest.raises(DefinitionErrors) as caught:
        read(folder, steps)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize("step_type", ["upsert", "reload"])
def test_two_statements_where_one_select_is_expected_is_an_error(
    folder: Path, step_type: str
) -> None:
    found = errors(
        folder,
        f"""\
-   step_type: {step_type}
    destination: tables/prod.t.sql
    sql: SELECT 1 AS id, 'a' AS v; DROP TABLE prod.t
""",
    )
    assert any(":5:" in e and "sql: expected one SELECT statement, found 2" in e for e in found)


def test_a_source_script_with_two_statements_is_an_error(folder: Path) -> None:
    (folder / "two.sql").write_text("SELECT 1 AS id, 'a' AS v;\nSELECT 2, 'b';\n")
    found = errors(
        folder,
        """\
-   step_type: delta-load
    destination: tables/prod.t.sql
    script: two.sql
    date_column: v
""",
    )
    assert any("script 'two.sql': expected one SELECT statement, found 2" in e for e in found)


@pytest.mark.parametrize(
    ("step", "key"),
    [
        (
            "step_type: count-check\n    source_host: maestro\n"
            "    source_sql: SELECT id FROM a; SELECT id FROM b\n"
            "    destination_table_name: prod.t",
            "source_sql",
        ),
        (
            "step_type: column-check\n    source_host: maestro\n"
            "    source_sql: SELECT id, v FROM a\n"
            "    destination_sql: SELECT id, v FROM prod.t; DELETE FROM prod.t",
            "destination_sql",
        ),
    ],
)
def test_a_check_sql_with_two_statements_is_an_error(folder: Path, step: str, key: str) -> None:
    found = errors(folder, f"-   {step}\n")
    assert any(f"{key}: expected one SELECT statement, found 2" in e for e in found), found


def test_one_select_with_nested_comments_is_accepted(folder: Path) -> None:
    read(
        folder,
        """\
-   step_type: upsert
    destination: tables/prod.t.sql
    sql: "/* a /* b */ c */ SELECT 1 AS id, 'a' AS v;"
""",
    )


def test_script_paths_expand_home_and_environment_variables(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("TEAM_SQL", str(folder / "team"))
    (folder / "team").mkdir()
    (folder / "team" / "q.sql").write_text("SELECT 1 AS id, 'a' AS v\n")
    pipeline = read(
        folder,
        """\
-   step_type: upsert
    destination: ~/tables/prod.t.sql
    script: $TEAM_SQL/q.sql
-   step_type: sql-command
    script: ${TEAM_SQL}/q.sql
""",
    )
    assert pipeline.steps[0].tables["destination"].full_name == "prod.t"


def test_an_unset_variable_in_a_script_path_is_an_error(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_SQL", raising=False)
    found = errors(folder, "-   step_type: sql-command\n    script: $NO_SUCH_SQL/q.sql\n")
    assert any("environment variable 'NO_SUCH_SQL'" in e for e in found), found
