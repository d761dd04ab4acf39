"""Dataduct's pipeline key ``time_delta``: parsing, errors, and the DAG's shifted start."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from airflow.timetables.base import TimeRestriction

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.dag import build_dag
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline, parse_pipeline
from airflow_dataduct.model.schedule import parse_schedule, parse_time_delta

UTC = dt.timezone.utc
STEP = "-   {step_type: pipeline-dependencies, dependent_pipelines: [other]}\n"


def config(catchup: bool = False) -> DataductConfig:
    return DataductConfig.model_validate(
        {"defaults": {"start_date": "2026-03-10", "catchup": catchup}}
    )


def read(head: str, conf: DataductConfig | None = None) -> Pipeline:
    text = f"name: p\n{head}steps:\n{STEP}"
    return parse_pipeline(text, "p.yaml", conf or config())


def errors(head: str) -> list[str]:
    with pytest.raises(DefinitionErrors) as exc:
        read(head)
    return [str(e) for e in exc.value.errors]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, dt.timedelta(0)),
        (3, dt.timedelta(days=3)),
        (-2, dt.timedelta(days=-2)),
        ("1 day", dt.timedelta(days=1)),
        ("6 hours", dt.timedelta(hours=6)),
        ("-2 days", dt.timedelta(days=-2)),
        ("- 1 week", dt.timedelta(weeks=-1)),
        ("+90 minutes", dt.timedelta(minutes=90)),
        ("1d 6h", dt.timedelta(days=1, hours=6)),
        ("2 Days", dt.timedelta(days=2)),
        ("1.5 days", dt.timedelta(hours=36)),
        ("0h", dt.timedelta(0)),
        ("-1:30:00", dt.timedelta(hours=-1, minutes=-30)),
    ],
)
def test_time_delta_reads_days_and_pytimeparse_durations(value: object, expected: object) -> None:
    assert parse_time_delta(value) == expected


@pytest.mark.parametrize("value", ["soon", "", "1 fortnight", True, 1.5, [1], {"days": 1}, None])
def test_time_delta_rejects_anything_else(value: object) -> None:
    with pytest.raises(ValueError, match="time_delta: expected a number of days or a duration"):
        parse_time_delta(value)


def test_huge_time_delta_is_an_error_not_a_crash() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_time_delta(10**12)


def test_yaml_time_delta_is_stored_on_the_schedule() -> None:
    pipeline = read('frequency: daily\nload_time: "04:30"\ntime_delta: "-2 days"\n')
    assert pipeline.schedule.time_delta == dt.timedelta(days=-2)
    assert (pipeline.schedule.hour, pipeline.schedule.minute) == (4, 30)


def test_int_time_delta_in_yaml_means_days() -> None:
    assert read("time_delta: -3\n").schedule.time_delta == dt.timedelta(days=-3)


def test_no_time_delta_leaves_the_start_alone() -> None:
    assert read("frequency: daily\n").schedule.time_delta == dt.timedelta(0)


@pytest.mark.parametrize(
    ("head", "line", "shown"),
    [
        ("time_delta: soon\n", 2, "'soon'"),
        ("time_delta: true\n", 2, "True"),
        ("frequency: daily\ntime_delta: [1, 2]\n", 3, "[1, 2]"),
        ("time_delta:\n  days: 1\n", 3, "{'days': 1}"),
    ],
)
def test_bad_time_delta_is_one_error_at_its_line(head: str, line: int, shown: str) -> None:
    [error] = errors(head)
    assert error.startswith(f"p.yaml:{line}:")
    assert "time_delta: expected a number of days or a duration" in error
    assert error.endswith(f"got {shown}")


def test_bad_time_delta_is_reported_beside_a_bad_frequency() -> None:
    found = errors("frequency: dayly\ntime_delta: soon\n")
    assert len(found) == 2
    assert "frequency 'dayly' is not supported" in found[0]
    assert found[1].startswith("p.yaml:3:") and "time_delta" in found[1]


def test_time_delta_that_leaves_the_calendar_is_an_error() -> None:
    [error] = errors("time_delta: -999999 days\n")
    assert error.startswith("p.yaml:2:")
    assert "moves the start date out of range" in error


def test_schedule_start_is_the_load_time_shifted() -> None:
    schedule = parse_schedule("daily", "04:30", "-6 hours")
    assert schedule.start(dt.date(2026, 3, 10)) == dt.datetime(2026, 3, 9, 22, 30, tzinfo=UTC)


def test_negative_time_delta_starts_the_dag_earlier_and_catches_up() -> None:
    conf = config(catchup=True)
    dag = build_dag(read('frequency: daily\nload_time: "04:30"\ntime_delta: "-2 days"\n'), conf)
    assert dag.start_date == dt.datetime(2026, 3, 8, 4, 30, tzinfo=UTC)
    assert dag.catchup is True
    assert "start shifted by `time_delta` -2 days" in dag.doc_md
    restriction = TimeRestriction(
        earliest=pendulum.instance(dag.start_date), latest=None, catchup=True
    )
    first = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=restriction
    )
    assert first.data_interval.start == dt.datetime(2026, 3, 8, 4, 30, tzinfo=UTC)


def test_positive_time_delta_starts_the_dag_later() -> None:
    dag = build_dag(read("frequency: hourly\nload_time: '01:00'\ntime_delta: 6 hours\n"), config())
    assert dag.start_date == dt.datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


def test_dag_without_time_delta_starts_at_the_config_start_date() -> None:
    dag = build_dag(read("frequency: daily\nload_time: '04:30'\n"), config())
    assert dag.start_date == dt.datetime(2026, 3, 10, 4, 30, tzinfo=UTC)
    assert "time_delta" not in dag.doc_md.split("### Steps")[0]


def test_time_delta_shifts_a_one_time_pipeline() -> None:
    dag = build_dag(read("time_delta: -1\n"), config())
    assert dag.start_date == dt.datetime(2026, 3, 9, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "first_start"),
    [
        ("daily", dt.datetime(2026, 3, 10, 1, 0, tzinfo=UTC)),  # cron: the next load-time slot
        ("weekly", dt.datetime(2026, 3, 9, 19, 0, tzinfo=UTC)),  # delta: the shifted start
    ],
)
def test_partial_period_shift_keeps_cron_slots_and_moves_delta_anchors(
    frequency: str, first_start: dt.datetime
) -> None:
    dag = build_dag(read(f"frequency: {frequency}\ntime_delta: -6 hours\n"), config(True))
    restriction = TimeRestriction(
        earliest=pendulum.instance(dag.start_date), latest=None, catchup=True
    )
    first = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None, restriction=restriction
    )
    assert first.data_interval.start == first_start
