"""AWS Data Pipeline expressions (``#{format(@scheduledStartTime,'YYYY-MM-dd')}``) as Jinja.

Dataduct YAML carries DP expressions in paths, SQL and script arguments. They are translated
once, when the pipeline is read, into the equivalent Airflow template, so the task renders them
like any other templated field. ``@scheduledStartTime`` is the start of the DP period, which is
Airflow's ``data_interval_start`` (for a scheduled run also its ``logical_date``, and a
manual run covers the latest complete interval, so it gets the same value as the scheduled run
of that interval); ``@scheduledEndTime`` is ``data_interval_end``; ``@actualStartTime`` is the
task's start. A run without a data interval uses its ``run_after``. Joda-Time patterns become
``strftime`` patterns.

Hand-written: a tiny recursive-descent parser, since DP's expression language has no Python
parser and only a handful of forms appear in Dataduct pipelines.
"""

from __future__ import annotations

import re
from typing import Any

from airflow_dataduct.errors import DpExpressionError

S3_BASE_PATH = "{S3_BASE_PATH}"

TIMES = {
    "scheduledStartTime": "data_interval_start",
    "scheduledEndTime": "data_interval_end",
    "actualStartTime": "ti.start_date",
}
"""DP date/time references and their Airflow template variables."""

_UNITS = {
    "Minutes": "minutes",
    "Hours": "hours",
    "Days": "days",
    "Weeks": "weeks",
    "Months": "months",
    "Years": "years",
}
_SHIFT = re.compile(r"^(plus|minus)(" + "|".join(_UNITS) + r")$")
_DP_DEFAULT_FORMAT = "YYYY-MM-dd'T'HH:mm:ss"
"""How DP prints a date/time without ``format``."""

_JODA = [
    ("yyyy", "%Y"),
    ("YYYY", "%Y"),
    ("yy", "%y"),
    ("YY", "%y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("M", "%-m"),
    ("dd", "%d"),
    ("d", "%-d"),
    ("DDD", "%j"),
    ("HH", "%H"),
    ("H", "%-H"),
    ("hh", "%I"),
    ("h", "%-I"),
    ("mm", "%M"),
    ("m", "%-M"),
    ("ss", "%S"),
    ("s", "%-S"),
    ("a", "%p"),
    ("EEEE", "%A"),
    ("EEE", "%a"),
    ("ZZ", "%z"),
    ("Z", "%z"),
    ("z", "%Z"),
]
_JODA_TOKEN = re.compile("|".join(re.escape(j) for j, _ in _JODA) + r"|'[^']*'|[A-Za-z]|.", re.S)
_JODA_MAP = dict(_JODA)


def joda_to_strftime(pattern: str) -> str:
    """A Joda-Time pattern (``YYYY-MM-dd'T'HH``) as a ``strftime`` pattern."""
    out = []
    for token in _JODA_TOKEN.findall(pattern):
        if token in _JODA_MAP:
            out.append(_JODA_MAP[token])
        elif token.startswith("'") and len(token) >= 2:
            out.append("'" if token == "''" else token[1:-1].replace("%", "%%"))
        elif token.isalpha():
            raise DpExpressionError(f"unsupported letter '{token}' in date format '{pattern}'")
        else:
            out.append(token.replace("%", "%%"))
    return "".join(out)


class _Parser:
    """expr := '@'name | func '(' expr (',' arg)* ')' ; arg := expr | 'text' | number."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, what: str) -> DpExpressionError:
        return DpExpressionError(f"{what} at position {self.pos} of '#{{{self.text}}}'")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take(self, pattern: str) -> str | None:
        self.skip()
        match = re.compile(pattern).match(self.text, self.pos)
        if match is None:
            return None
        self.pos = match.end()
        return match.group(0)

    def expect(self, char: str) -> None:
        if self.take(re.escape(char)) is None:
            raise self.fail(f"expected '{char}'")

    def parse(self) -> str:
        result = self.expression(top=True)
        self.skip()
        if self.pos != len(self.text):
            raise self.fail("unexpected text")
        return result

    def expression(self, top: bool = False) -> str:
        ref = self.take(r"@[A-Za-z]+")
        if ref is not None:
            name = ref[1:]
            if name not in TIMES:
                raise self.fail(f"unknown reference '{ref}' (known: @{', @'.join(TIMES)})")
            time = TIMES[name]
            if name != "actualStartTime":  # a manual run without a logical date has no interval
                time = f"({time} or dag_run.run_after)"
            return self._formatted(time, _DP_DEFAULT_FORMAT) if top else time
        func = self.take(r"[A-Za-z]+")
        if func is None:
            raise self.fail("expected @scheduledStartTime or a function")
        self.expect("(")
        if func == "format":
            time = self.expression()
            self.expect(",")
            pattern = self.string()
            self.expect(")")
            return self._formatted(time, pattern)
        shift = _SHIFT.match(func)
        if shift is None:
            raise self.fail(f"unsupported function '{func}'")
        time = self.expression()
        self.expect(",")
        amount = self.take(r"-?\d+")
        if amount is None:
            raise self.fail("expected a whole number")
        self.expect(")")
        method = "add" if shift.group(1) == "plus" else "subtract"
        shifted = f"{time}.{method}({_UNITS[shift.group(2)]}={int(amount)})"
        return self._formatted(shifted, _DP_DEFAULT_FORMAT) if top else shifted

    def string(self) -> str:
        quoted = self.take(r"'(?:[^']|'')*'|\"[^\"]*\"")
        if quoted is None:
            raise self.fail("expected a quoted date format")
        return quoted[1:-1]

    @staticmethod
    def _formatted(time: str, pattern: str) -> str:
        return f"{{{{ {time}.strftime({joda_to_strftime(pattern)!r}) }}}}"


_EXPRESSION = re.compile(r"#\{((?:[^{}']|'[^']*')*)\}")


def translate(text: str, s3_base_path: str | None = None) -> str:
    """``text`` with every DP expression as Jinja and, when given, ``{S3_BASE_PATH}`` replaced."""
    if s3_base_path is not None:
        text = text.replace(S3_BASE_PATH, s3_base_path)
    if "#{" not in text:
        return text
    result = _EXPRESSION.sub(lambda m: _Parser(m.group(1).strip()).parse(), text)
    if "#{" in result:
        raise DpExpressionError(f"unterminated DP expression in '{text}'")
    return result


def translate_values(value: Any, s3_base_path: str | None = None) -> Any:
    """``value`` (a YAML scalar, list or mapping) with every string translated."""
    if isinstance(value, str):
        return translate(value, s3_base_path)
    if isinstance(value, list):
        return [translate_values(v, s3_base_path) for v in value]
    if isinstance(value, dict):
        return {k: translate_values(v, s3_base_path) for k, v in value.items()}
    return value
