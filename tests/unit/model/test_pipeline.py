"""The pipeline model: the seed pipeline's shape, Dataduct's rules, and every broken definition."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.pipeline import Pipeline, read_pipeline
from airflow_dataduct.model.schedule import FREQUENCIES, parse_load_time, parse_schedule

ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = ROOT / "dag_definitions"
BROKEN = ROOT / "tests" / "fixtures" / "broken"
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$", re.MULTILINE)


def read(
    text: str, folder: Path = BROKEN, name: str = "p.yaml", tmp: Path | None = None
) -> Pipeline:
    """Validate ``text`` as if it were a pipeline file in ``folder``."""
    assert tmp is not None
    path = tmp / name
    path.write_text(text)
    config = open_definitions(folder)
    return read_pipeline(path, config)


def test_seed_users_pipeline_has_dataduct_graph() -> None:
    pipeline = read_pipeline(DEFINITIONS / "users.yaml", open_definitions(DEFINITIONS))
    edges = {s.name: s.upstream for s in pipeline.steps}
    assert edges == {
        "ExtractRdsStep0": (),
        "load_staging": ("ExtractRdsStep0",),
        "upsert_users": ("load_staging",),
        "PrimaryKeyCheckStep0": ("upsert_users",),
        "CountCheckStep0": ("upsert_users",),
    }
    assert pipeline.step("load_staging").input_step == "ExtractRdsStep0"
    assert (pipeline.schedule.hour, pipeline.schedule.minute) == (12, 0)
    assert pipeline.step("upsert_users").tables["destination"].full_name == "prod.users"


def test_default_names_count_dataduct_subclasses(tmp_path: Path) -> None:
    text = """name: naming
steps:
-   step_type: primary-key-check
    table_definition: tables/good.sql
-   step_type: count-check
    source_host: maestro
    source_table_name: users
    destination_table_name: users
-   step_type: primary-key-check
    table_definition: tables/good.sql
"""
    pipeline = read(text, tmp=tmp_path)
    assert [s.name for s in pipeline.steps] == [
        "PrimaryKeyCheckStep0",
        "CountCheckStep0",
        "PrimaryKeyCheckStep1",
    ]


def test_qa_steps_get_no_implicit_edge_but_loads_chain(tmp_path: Path) -> None:
    text = """name: chaining
steps:
-   step_type: extract-rds
    table: users
    host_name: maestro
-   step_type: create-load-redshift
    table_definition: tables/good.sql
-   step_type: primary-key-check
    table_definition: tables/good.sql
-   step_type: upsert
    source: tables/good.sql
    destination: tables/good.sql
"""
    pipeline = read(text, tmp=tmp_path)
    assert pipeline.step("CreateAndLoadStep0").upstream == ("ExtractRdsStep0",)
    assert pipeline.step("PrimaryKeyCheckStep0").upstream == ()
    # upsert chains on the primary-key-check's unused output, as in Dataduct (docs/pipelines.md)
    assert pipeline.step("UpsertStep0").upstream == ("PrimaryKeyCheckStep0",)


def test_input_node_names_the_step_to_read(tmp_path: Path) -> None:
    text = """name: inputs
steps:
-   step_type: extract-rds
    name: first
    table: users
    host_name: maestro
-   step_type: extract-rds
    name: second
    table: users
    host_name: maestro
-   step_type: create-load-redshift
    input_node: first
    table_definition: tables/good.sql
"""
    pipeline = read(text, tmp=tmp_path)
    assert pipeline.step("CreateAndLoadStep0").input_step == "first"
    assert pipeline.step("CreateAndLoadStep0").upstream == ("first",)


def test_name_prefix_from_config_prefixes_dag_id(tmp_path: Path) -> None:
    (tmp_path / "dataduct.yaml").write_text("defaults:\n  name_prefix: dev\n")
    (tmp_path / "p.yaml").write_text(
        "name: users\nsteps:\n- step_type: count-check\n"
        "  source_host: h\n  source_table_name: t\n"
        "  destination_table_name: t\n"
    )
    (tmp_path / "dataduct.yaml").write_text("defaults:\n  name_prefix: dev\nhosts:\n  h: c\n")
    pipeline = read_pipeline(tmp_path / "p.yaml", open_definitions(tmp_path))
    assert pipeline.dag_id == "dev_users"


@pytest.mark.parametrize(
    ("value", "expected"), [(720, (12, 0)), ("01:00", (1, 0)), (754, (12, 34)), ("23:59", (23, 59))]
)
def test_load_time_accepts_text_and_pyyaml_minutes(
    value: object, expected: tuple[int, int]
) -> None:
    assert parse_load_time(value) == expected


@pytest.mark.parametrize("value", ["24:00", "noon", 1440, True, "1:60"])
def test_load_time_rejects_what_is_not_a_time(value: object) -> None:
    with pytest.raises(ValueError, match="load_time"):
        parse_load_time(value)


@pytest.mark.parametrize("frequency", sorted(FREQUENCIES))
def test_every_dataduct_frequency_is_accepted(frequency: str) -> None:
    schedule = parse_schedule(frequency, "01:30")
    assert schedule.frequency == frequency
    assert (schedule.period is None) == (frequency == "one-time")


def _broken_cases() -> list[Path]:
    return sorted(BROKEN.glob("*.yaml"))


@pytest.mark.parametrize(
    "path", [p for p in _broken_cases() if p.name != "dataduct.yaml"], ids=lambda p: p.stem
)
def test_broken_definition_reports_file_line_and_message(path: Path) -> None:
    expectations = EXPECT.findall(path.read_text())
    assert expectations, f"{path.name} has no '# expect:' line"
    with pytest.raises(DefinitionErrors) as exc:
        read_pipeline(path, open_definitions(BROKEN))
    reported = [(e.location.line, e.location.column, e.message) for e in exc.value.errors]
    for line, column, message in expectations:
        assert any(
            (line_, column_) == (int(line), int(column)) and message in text
            for line_, column_, text in reported
        ), f"expected {line}:{column}: {message!r} in {reported}"
        assert all(e.location.path == str(path) for e in exc.value.errors)


def test_every_error_of_a_file_is_reported_together(tmp_path: Path) -> None:
    text = """name: many
frequency: dayly
steps:
-   step_type: extract-rds
    tabel: users
    host_name: nowhere
-   step_type: upsrt
"""
    with pytest.raises(DefinitionErrors) as exc:
        read(text, tmp=tmp_path)
    messages = [e.message for e in exc.value.errors]
    assert len(messages) >= 3
    assert any("dayly" in m for m in messages)
    assert any("unknown key 'tabel'" in m for m in messages)
    assert any("unknown step type 'upsrt' (did you mean 'upsert'?)" in m for m in messages)
