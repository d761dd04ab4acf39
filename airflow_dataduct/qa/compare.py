"""Comparing values read from two database engines (column-check) without false mismatches.

A MySQL source and a PostgreSQL/Redshift warehouse return the same data as different Python
values (``1`` vs ``True``, ``Decimal('1.50')`` vs ``Decimal('1.5')``, a naive vs an aware
datetime, ``timedelta`` vs ``time``). Each value is first reduced to a canonical form:

* NULL stays NULL, distinct from ``''`` and from the string ``'NULL'``;
* numbers (integers, booleans as 1/0, DECIMAL, floats by their shortest repr) compare by
  numeric value: ``1 == 1.0 == Decimal('1.00') == True``; NaN equals NaN;
* timestamps compare as UTC instants: an aware value is converted to UTC, a naive one is
  taken as UTC (extracts run with UTC sessions); dates compare as dates;
* times of day and durations (MySQL ``TIME``) compare as durations;
* text compares exactly (no trimming, no case folding); binary values byte for byte;
* anything else compares by ``str()``.

Values of different kinds (a number and a text) never match.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

Canonical = tuple[str, Any] | None

MAX_EXAMPLES = 10


def canonical(value: Any) -> Canonical:
    """The engine-independent form of one value (see the module docstring)."""
    if value is None:
        return None
    if isinstance(value, (bool, int)):
        return ("number", decimal.Decimal(int(value)))
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ("number", _special(value))
        return ("number", decimal.Decimal(repr(value)))
    if isinstance(value, decimal.Decimal):
        return ("number", value) if value.is_finite() else ("number", _special(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return ("timestamp", value)
    if isinstance(value, dt.date):
        return ("date", value)
    if isinstance(value, dt.time):
        span = dt.timedelta(
            hours=value.hour,
            minutes=value.minute,
            seconds=value.second,
            microseconds=value.microsecond,
        )
        return ("duration", span)
    if isinstance(value, dt.timedelta):
        return ("duration", value)
    if isinstance(value, str):
        return ("text", value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("binary", bytes(value))
    return ("text", str(value))


def _special(value: float | decimal.Decimal) -> str:
    """NaN and the infinities, alike for floats and DECIMAL."""
    if value != value:  # NaN is the only value unequal to itself
        return "nan"
    return "inf" if value > 0 else "-inf"


def canonical_text(value: Any) -> str:
    """A canonical value as text, for Dataduct's concatenated comparison (NULL is ``''``)."""
    form = canonical(value)
    if form is None:
        return ""
    kind, inner = form
    if kind == "number" and isinstance(inner, decimal.Decimal):
        text = format(inner, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if kind == "timestamp":
        return inner.isoformat(sep=" ")
    if kind == "binary":
        return inner.hex()
    return str(inner)


@dataclass
class Comparison:
    """What column-check found for one sample."""

    sampled: int = 0
    compared: int = 0
    missing: int = 0
    mismatches: int = 0
    mismatched_columns: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    """Up to MAX_EXAMPLES mismatches: the key, the column and both values."""

    def error_rate(self) -> float | None:
        """Mismatches in percent of the compared rows; None when nothing was compared."""
        if self.compared == 0:
            return None
        return self.mismatches * 100.0 / self.compared


def row_key(values: Sequence[Any]) -> tuple[Canonical, ...]:
    return tuple(canonical(v) for v in values)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def compare_rows(
    source: Iterable[tuple[Sequence[Any], Sequence[Any]]],
    destination: Iterable[tuple[Sequence[Any], Sequence[Any]]],
    value_names: Sequence[str],
    concatenate: bool = False,
) -> Comparison:
    """Compare (key, values) pairs of the source sample with the warehouse rows of those keys.

    Keys missing from the warehouse are counted apart and are not mismatches (count-check
    covers them), as in Dataduct. With ``concatenate``, the source values are joined as
    canonical text and compared with the warehouse's single value (Dataduct's form).
    """
    found = {row_key(key): values for key, values in destination}
    result = Comparison()
    for key, values in source:
        result.sampled += 1
        other = found.get(row_key(key))
        if other is None:
            result.missing += 1
            continue
        result.compared += 1
        diffs = _differences(values, other, value_names, concatenate)
        if not diffs:
            continue
        result.mismatches += 1
        for name, mine, theirs in diffs:
            result.mismatched_columns[name] = result.mismatched_columns.get(name, 0) + 1
            if len(result.examples) < MAX_EXAMPLES:
                shown_key = ", ".join(map(_shown, key))
                result.examples.append(
                    f"key ({shown_key}) {name}: source {_shown(mine)}, warehouse {_shown(theirs)}"
                )
    return result


def _differences(
    values: Sequence[Any], other: Sequence[Any], names: Sequence[str], concatenate: bool
) -> list[tuple[str, Any, Any]]:
    if concatenate:
        mine = "".join(canonical_text(v) for v in values)
        theirs = canonical_text(other[0])
        return [] if mine == theirs else [("+".join(names), mine, theirs)]
    return [
        (name, a, b)
        for name, a, b in zip(names, values, other, strict=True)
        if canonical(a) != canonical(b)
    ]
