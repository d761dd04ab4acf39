"""The DAG factory: schedules, graph, defaults and docs of the DAGs built from YAML."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable

from airflow_dataduct.factory.dag import build_dag, timetable
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.factory.loader import load_dags, scan
from airflow_dataduct.model.pipeline import pipeline_files
from airflow_dataduct.model.schedule import parse_schedule
from airflow_dataduct.sql.identifiers import Dialect

ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = ROOT / "dag_definitions"


@pytest.fixture(scope="module")
def users():
    return load_dags(DEFINITIONS)["users"]


def test_users_dag_runs_daily_at_noon_utc(users) -> None:
    assert isinstance(users.timetable, CronDataIntervalTimetable)
    assert users.timetable.summary == "0 12 * * *"
    assert users.start_date == dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    restriction = TimeRestriction(earliest=users.start_date, latest=None, catchup=True)
    after = users.timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=restriction
    )
    assert after.data_interval.start == users.start_date
    assert after.data_interval.end == users.start_date + dt.timedelta(days=1)


def test_users_graph_follows_dataduct_edges(users) -> None:
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in users.tasks}
    assert downstream == {
        "ExtractRdsStep0": ["load_staging"],
        "load_staging": ["upsert_users"],
        "upsert_users": ["CountCheckStep0", "PrimaryKeyCheckStep0"],
        "PrimaryKeyCheckStep0": [],
        "CountCheckStep0": [],
    }


def test_users_dag_carries_config_defaults_docs_and_tags(users) -> None:
    assert users.default_args["owner"] == "data-eng"
    assert users.default_args["retries"] == 0
    assert users.default_args["retry_delay"] == dt.timedelta(minutes=10)
    assert users.max_active_runs == 1
    assert users.catchup is False
    assert set(users.tags) == {"dataduct", "daily", "maestro"}
    assert "Users table from RDS database" in users.doc_md
    assert "step_type: count-check" in users.doc_md
    assert users.description == "Users table from RDS database"


def test_operators_show_their_sql_as_templated_fields(users) -> None:
    extract = users.get_task("ExtractRdsStep0")
    assert extract.sql == "SELECT id, user_name, user_email FROM users"
    assert extract.staging_prefix == "users/{{ run_id | dataduct_path }}/ExtractRdsStep0"
    upsert = users.get_task("upsert_users")
    upsert.prepare_sql(Dialect.POSTGRES)
    assert "sql" in upsert.template_fields
    assert " ".join(upsert.statements()[1].split()) == (
        "INSERT INTO users_temp (user_id, user_name, user_email) "
        "SELECT id, user_name, user_email FROM staging.maestro_users"
    )
    assert upsert.sql.count(";\n\n") == len(upsert.statements()) - 1, "one paragraph each"
    check = users.get_task("CountCheckStep0")
    assert check.destination_count_sql == (
        "SELECT COUNT(*) FROM (SELECT user_id FROM users) AS dataduct_count"
    )


def test_step_max_retries_overrides_the_pipeline_default(tmp_path: Path) -> None:
    (tmp_path / "dataduct.yaml").write_text("hosts: {h: conn}\ndefaults: {retries: 2}\n")
    (tmp_path / "p.yaml").write_text(
        "name: p\nmax_retries: 3\nsteps:\n"
        "- {step_type: count-check, source_host: h, source_table_name: a,\n"
        "   destination_table_name: a, max_retries: 5, name: five}\n"
        "- {step_type: count-check, source_host: h, source_table_name: a,\n"
        "   destination_table_name: a, name: inherited}\n"
    )
    result = scan(tmp_path)
    assert not result.errors
    dag = build_dag(result.pipelines[0], open_definitions(tmp_path))
    assert dag.get_task("five").retries == 5
    assert dag.get_task("inherited").retries == 3


@pytest.mark.parametrize(
    ("frequency", "load_time", "expected"),
    [
        ("hourly", "01:30", "30 * * * *"),
        ("6-hours", "01:00", "0 1-23/6 * * *"),
        ("12-hours", "14:15", "15 2-23/12 * * *"),
        ("daily", "04:00", "0 4 * * *"),
        ("1-day", 720, "0 12 * * *"),
    ],
)
def test_cron_frequencies_map_to_cron_data_intervals(frequency, load_time, expected) -> None:
    table = timetable(parse_schedule(frequency, load_time))
    assert isinstance(table, CronDataIntervalTimetable)
    assert table.summary == expected


@pytest.mark.parametrize(
    ("frequency", "days"), [("2-days", 2), ("6-days", 6), ("weekly", 7), ("2-weeks", 14)]
)
def test_multi_day_frequencies_map_to_fixed_intervals(frequency: str, days: int) -> None:
    table = timetable(parse_schedule(frequency, "04:00"))
    assert isinstance(table, DeltaDataIntervalTimetable)
    assert table._delta == dt.timedelta(days=days)


def test_one_time_runs_once() -> None:
    assert timetable(parse_schedule("one-time", "01:00")) == "@once"


def test_dagbag_of_the_dags_folder_has_users_and_no_import_error() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    assert {"users", "votes"} <= set(bag.dag_ids)
    assert len(bag.dag_ids) == len(pipeline_files(ROOT / "dag_definitions"))


def test_task_start_parse_builds_only_the_named_pipeline(tmp_path: Path) -> None:
    (tmp_path / "dataduct.yaml").write_text("hosts: {h: conn}\n")
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.yaml").write_text(
            f"name: {name}\nsteps:\n- {{step_type: count-check, source_host: h,\n"
            "   source_table_name: a, destination_table_name: a}\n"
        )
    (tmp_path / "broken.yaml").write_text("name: gamma\nsteps: [oops\n")
    result = scan(tmp_path, only_dag_id="beta")
    assert [p.dag_id for p in result.pipelines] == ["beta"]
    assert result.errors == [], "files naming other DAGs are not validated"
