"""``airflow-dataduct init``: a DAGs folder that runs Dataduct pipelines, never overwritten."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import pytest

from airflow_dataduct.cli.init import template_files
from airflow_dataduct.cli.main import main
from airflow_dataduct.errors import BrokenDefinitions

LOADERS = ("dataduct_pipelines.py", "dataduct_definition_errors.py")
STARTER = (
    "dag_definitions/dataduct.yaml",
    "dag_definitions/dataduct_starter.yaml",
    "dag_definitions/tables/public.dataduct_starter.sql",
    "dag_definitions/data/dataduct_starter.tsv",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return names | {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}


def test_init_writes_loaders_config_and_a_starter_pipeline_that_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dags = tmp_path / "dags"
    assert main(["init", str(dags)]) == 0
    written = sorted(str(p.relative_to(dags)) for p in dags.rglob("*") if p.is_file())
    assert written == sorted([*LOADERS, *STARTER])
    assert f"wrote {dags / 'dataduct_pipelines.py'}" in capsys.readouterr().out
    assert main(["validate", str(dags / "dag_definitions")]) == 0
    assert "1 pipeline(s) valid, 0 error(s)" in capsys.readouterr().err


def test_loader_files_import_only_the_installed_package(tmp_path: Path) -> None:
    main(["init", str(tmp_path)])
    for name in LOADERS:
        modules = imported_modules(tmp_path / name)
        assert modules <= {
            "pathlib",
            "airflow_dataduct.factory.loader",
            "airflow_dataduct.factory.error_report",
        }, name


def test_init_never_overwrites_and_says_which_files_it_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "dag_definitions" / "dataduct.yaml"
    config.parent.mkdir()
    config.write_text("warehouse: {conn_id: ours}\n")
    assert main(["init", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{config} exists; left unchanged" in out
    assert config.read_text() == "warehouse: {conn_id: ours}\n"
    assert (tmp_path / "dataduct_pipelines.py").is_file(), "the missing files are still written"
    assert main(["init", str(tmp_path)]) == 1
    assert "wrote" not in capsys.readouterr().out


def test_loader_builds_the_definitions_next_to_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path.parent)  # not the DAGs folder: paths are relative to the file
    main(["init", str(tmp_path / "dags")])
    found = runpy.run_path(str(tmp_path / "dags" / "dataduct_pipelines.py"))
    assert found["dataduct_starter"].dag_id == "dataduct_starter"
    runpy.run_path(str(tmp_path / "dags" / "dataduct_definition_errors.py"))  # no error


def test_loader_files_read_the_folder_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    main(["init", str(tmp_path / "dags")])
    other = tmp_path / "elsewhere"
    main(["init", str(other)])
    starter = other / "dag_definitions" / "dataduct_starter.yaml"
    starter.write_text(starter.read_text().replace("name: dataduct_starter", "name: x"))
    (other / "dag_definitions" / "broken.yaml").write_text("name: [\n")
    monkeypatch.setenv("DATADUCT_DEFINITIONS_DIR", str(other / "dag_definitions"))
    found = runpy.run_path(str(tmp_path / "dags" / "dataduct_pipelines.py"))
    assert "x" in found and "dataduct_starter" not in found
    with pytest.raises(BrokenDefinitions, match=r"broken\.yaml:\d+:\d+: invalid YAML"):
        runpy.run_path(str(tmp_path / "dags" / "dataduct_definition_errors.py"))


def test_every_template_is_declared_package_data() -> None:
    """setup.cfg's package_data patterns (one per folder depth) reach every template."""
    import configparser
    from fnmatch import fnmatch

    setup = configparser.ConfigParser()
    setup.read(Path(__file__).resolve().parents[3] / "setup.cfg")
    patterns = setup["options.package_data"]["airflow_dataduct"].split()
    for relative, _ in template_files():
        path = f"cli/init-templates/{relative}"
        assert any(fnmatch(path, p) and p.count("/") == path.count("/") for p in patterns), path
