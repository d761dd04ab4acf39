"""Every Dataduct frequency walked through its next runs: data intervals, times of day, once."""

from __future__ import annotations

import datetime as dt
import itertools

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from airflow_dataduct.factory.dag import start_date, timetable
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.schedule import FREQUENCIES, parse_duration, parse_schedule

UTC = dt.timezone.utc
RUNS = 4


def walk(frequency: str, load_time: str, runs: int = RUNS) -> list[DataInterval]:
    """The first ``runs`` data intervals the scheduler would create, catching up from the start."""
    schedule = parse_schedule(frequency, load_time)
    table = timetable(schedule)
    if table == "@once":
        from airflow.timetables.simple import OnceTimetable

        table = OnceTimetable()
    start = pendulum.instance(start_date(schedule, DataductConfig()))  # as the DAG stores it
    restriction = TimeRestriction(earliest=start, latest=None, catchup=True)
    intervals: list[DataInterval] = []
    last = None
    for _ in range(runs):
        info = table.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        if info is None:
            break
        intervals.append(info.data_interval)
        last = info.data_interval
    return intervals


@pytest.mark.parametrize("frequency", sorted(f for f, p in FREQUENCIES.items() if p is not None))
def test_each_frequency_runs_back_to_back_intervals_of_its_period(frequency: str) -> None:
    period = FREQUENCIES[frequency]
    assert period is not None
    intervals = walk(frequency, "13:30")
    assert len(intervals) == RUNS
    for interval in intervals:
        assert interval.end - interval.start == period
        assert interval.start.tzinfo is not None and interval.start.utcoffset() == dt.timedelta(0)
        assert interval.start.minute == 30
    for earlier, later in itertools.pairwise(intervals):
        assert later.start == earlier.end


@pytest.mark.parametrize("frequency", ["daily", "1-day", "2-days", "weekly", "2-weeks"])
def test_daily_and_longer_frequencies_start_at_the_load_time(frequency: str) -> None:
    intervals = walk(frequency, "13:30")
    assert intervals[0].start == dt.datetime(2026, 1, 1, 13, 30, tzinfo=UTC)
    assert all((i.start.hour, i.start.minute) == (13, 30) for i in intervals)


def test_sub_daily_frequencies_keep_the_load_time_on_their_grid() -> None:
    intervals = walk("6-hours", "13:30")
    assert [i.start.hour for i in intervals] == [13, 19, 1, 7]
    assert [i.start.hour for i in walk("hourly", "13:30")] == [13, 14, 15, 16]


def test_one_time_has_exactly_one_run() -> None:
    intervals = walk("one-time", "04:00")
    assert len(intervals) == 1
    assert intervals[0].start == dt.datetime(2026, 1, 1, 4, 0, tzinfo=UTC)


def test_scheduled_start_is_the_data_interval_start_the_run_comes_a_period_later() -> None:
    """Dataduct's ``@scheduledStartTime`` is ``{{ data_interval_start }}`` (= ``logical_date``,
    ``{{ ds }}``); Airflow starts the run when the interval ends."""
    schedule = parse_schedule("daily", "01:00")
    first = walk("daily", "01:00", 1)[0]
    assert first.start == start_date(schedule, DataductConfig())
    assert first.end == dt.datetime(2026, 1, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 Hours", dt.timedelta(hours=6)),
        ("30 minutes", dt.timedelta(minutes=30)),
        ("1 Day", dt.timedelta(days=1)),
        (45, dt.timedelta(minutes=45)),
    ],
)
def test_data_pipeline_durations_parse(text: object, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["6 Hourz", "", 0, -5, True, "soon"])
def test_bad_durations_are_rejected(text: object) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)
