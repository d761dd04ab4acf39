"""Dataduct's ``frequency`` and ``load_time``, as a plain schedule description (no Airflow)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pytimeparse.timeparse import timeparse

FREQUENCIES: dict[str, dt.timedelta | None] = {
    "one-time": None,
    "hourly": dt.timedelta(hours=1),
    **{f"{n}-hour{'s' if n > 1 else ''}": dt.timedelta(hours=n) for n in (1, 2, 3, 4, 6, 8, 12)},
    "daily": dt.timedelta(days=1),
    **{f"{n}-day{'s' if n > 1 else ''}": dt.timedelta(days=n) for n in range(1, 7)},
    "weekly": dt.timedelta(weeks=1),
    "1-week": dt.timedelta(weeks=1),
    "2-weeks": dt.timedelta(weeks=2),
}
"""Every frequency Dataduct accepts (docs/pipelines.md), with its period; one-time has none."""

_HH_MM = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Schedule:
    """When a pipeline runs: every ``period`` (None = once), at ``hour:minute`` UTC, from a
    start shifted by ``time_delta``."""

    frequency: str
    period: dt.timedelta | None
    hour: int
    minute: int
    time_delta: dt.timedelta = dt.timedelta(0)
    """Dataduct's ``time_delta``: added to the start (negative: start earlier, so catch-up
    runs the intervals in between)."""

    def start(self, day: dt.date) -> dt.datetime:
        """``day`` at the load time, UTC, shifted by ``time_delta``; OverflowError when the
        result is not a representable date."""
        at_load_time = dt.datetime(
            day.year, day.month, day.day, self.hour, self.minute, tzinfo=dt.timezone.utc
        )
        return at_load_time + self.time_delta

    @property
    def cron(self) -> str | None:
        """A cron expression when the period fits one exactly (sub-daily and daily), else None."""
        if self.period is None:
            return None
        hours = self.period.total_seconds() / 3600
        if hours < 24 and 24 % hours == 0:
            step = int(hours)
            if step == 1:
                return f"{self.minute} * * * *"
            return f"{self.minute} {self.hour % step}-23/{step} * * *"
        if hours == 24:
            return f"{self.minute} {self.hour} * * *"
        return None


def parse_load_time(value: object) -> tuple[int, int]:
    """``"HH:MM"``, or the integer minutes PyYAML makes of ``12:00``; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f'load_time: expected "HH:MM", got {value!r}')
    if isinstance(value, int):
        hour, minute = divmod(value, 60)
    elif isinstance(value, str) and (match := _HH_MM.match(value.strip())):
        hour, minute = int(match.group(1)), int(match.group(2))
    else:
        raise ValueError(f'load_time: expected "HH:MM" (UTC), got {value!r}')
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"load_time: {hour:02d}:{minute:02d} is not a time of day")
    return hour, minute


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(minute|hour|day|week)s?$", re.IGNORECASE)
_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def parse_duration(value: object) -> dt.timedelta:
    """Data Pipeline's period form (``"6 Hours"``, ``"30 minutes"``), or an int of minutes."""
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return dt.timedelta(minutes=value)
    if isinstance(value, str) and (match := _DURATION.match(value.strip())):
        seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
        if seconds > 0:
            return dt.timedelta(seconds=seconds)
    raise ValueError(f'expected a duration such as "6 Hours" or "30 Minutes", got {value!r}')


def parse_time_delta(value: object) -> dt.timedelta:
    """Dataduct's ``time_delta``: an int of days, or a signed duration in pytimeparse's words
    (``"1 day"``, ``"6 hours"``, ``"-2 days"``, ``"1d 6h"``), as Dataduct's CLI ``-t`` read it;
    ValueError otherwise."""
    if isinstance(value, dt.timedelta):
        return value
    seconds: float | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value * 86400
    elif isinstance(value, str):
        seconds = timeparse(value)
    if seconds is None:
        raise ValueError(
            "time_delta: expected a number of days or a duration such as "
            f'"1 day", "6 hours" or "-2 days", got {value!r}'
        )
    try:
        return dt.timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"time_delta: {value!r} is too large") from None


def parse_schedule(frequency: str, load_time: object, time_delta: object = 0) -> Schedule:
    """A Schedule from Dataduct's keys; ValueError names the bad key."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency '{frequency}' is not supported")
    hour, minute = parse_load_time(load_time)
    delta = parse_time_delta(time_delta)
    return Schedule(frequency, FREQUENCIES[frequency], hour, minute, delta)
