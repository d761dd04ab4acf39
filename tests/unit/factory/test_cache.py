"""The parse cache: a hit skips validation, any edit in the folder makes it miss."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from airflow_dataduct.factory import cache as cache_module
from airflow_dataduct.factory import loader
from airflow_dataduct.factory.state import CACHE_ENV

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    definitions = tmp_path / "defs"
    definitions.mkdir()
    shutil.copy(ROOT / "dag_definitions" / "users.yaml", definitions)
    shutil.copytree(ROOT / "dag_definitions" / "tables", definitions / "tables")
    (definitions / "dataduct.yaml").write_text("hosts: {maestro: dataduct_maestro}\n")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return definitions


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = loader.parse_pipeline

    def counting(text, path, config):  # type: ignore[no-untyped-def]
        calls.append(str(path))
        return real(text, path, config)

    monkeypatch.setattr(loader, "parse_pipeline", counting)
    return calls


def test_second_scan_of_an_unchanged_folder_uses_the_cache(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_parses(monkeypatch)
    first = loader.scan(folder)
    second = loader.scan(folder)
    assert len(calls) == 1
    assert second.pipelines == first.pipelines


def test_editing_a_table_file_invalidates_the_cache(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_parses(monkeypatch)
    loader.scan(folder)
    table = folder / "tables" / "prod.users.sql"
    table.write_text(table.read_text().replace("user_email", "email_address"))
    result = loader.scan(folder)
    assert len(calls) == 2
    columns = result.pipelines[0].step("upsert_users").tables["destination"].column_names
    assert "email_address" in columns


def test_a_broken_edit_is_reported_not_served_from_cache(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loader.scan(folder)
    users = folder / "users.yaml"
    users.write_text(users.read_text().replace("step_type: upsert", "step_type: upsrt"))
    result = loader.scan(folder)
    assert result.pipelines == []
    assert "unknown step type 'upsrt'" in str(result.errors[0])


def test_cache_can_be_turned_off(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    calls = count_parses(monkeypatch)
    loader.scan(folder)
    loader.scan(folder)
    assert len(calls) == 2


def test_a_cache_folder_others_can_write_is_not_used(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv(CACHE_ENV, str(shared))
    calls = count_parses(monkeypatch)
    loader.scan(folder)
    loader.scan(folder)
    assert len(calls) == 2
    assert list(shared.iterdir()) == []


def test_after_a_table_edit_only_that_table_is_parsed_again(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_dataduct.model import pipeline as model

    loader.scan(folder)  # fills the cache, tables included
    parsed: list[str] = []
    real = model.parse_table_file

    def counting(path):  # type: ignore[no-untyped-def]
        parsed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(model, "parse_table_file", counting)
    monkeypatch.setattr(model, "TABLES", model.TableCache())  # a new process: nothing in memory
    monkeypatch.setattr(cache_module, "TABLES", model.TABLES)
    edited = folder / "tables" / "prod.users.sql"
    edited.write_text(edited.read_text().replace("user_email", "user_mail"))
    result = loader.scan(folder)
    assert parsed == ["prod.users.sql"]
    users = result.pipelines[0]
    assert "user_mail" in [c.name for c in users.step("upsert_users").tables["destination"].columns]
