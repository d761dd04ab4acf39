"""The staging interchange format: value formatting, PostgreSQL COPY output rewriting, and a
round trip through a small reference decoder written from the format's documented rules."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import random
import uuid

import pytest

from airflow_dataduct.staging.interchange import NULL, format_rows, format_value, from_postgres_text

# -- reference codecs (written from the documented rules, independent of the package) -------


def decode_field(raw: str) -> str | None:
    """One interchange field: a lone ``\\N`` is NULL; backslash + any character is that char."""
    if raw == "\\N":
        return None
    out: list[str] = []
    chars = iter(raw)
    for char in chars:
        if char == "\\":
            escaped = next(chars, None)
            assert escaped is not None, f"dangling backslash in {raw!r}"
            out.append(escaped)
        else:
            out.append(char)
    return "".join(out)


def decode_records(data: bytes) -> list[list[str | None]]:
    """Split interchange bytes on unescaped TAB and LF, then decode each field."""
    text = data.decode("utf-8")
    assert text == "" or text.endswith("\n"), "records end with LF"
    records: list[list[str | None]] = []
    fields: list[str | None] = []
    start = i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char in "\t\n":
            fields.append(decode_field(text[start:i]))
            if char == "\n":
                records.append(fields)
                fields = []
            start = i + 1
        i += 1
    assert not fields and start == len(text)
    return records


def postgres_copy_text(value: str | None) -> str:
    """What PostgreSQL's ``COPY ... TO STDOUT`` (text format, TAB delimiter) writes for a value:
    backslash doubled, and \\b \\f \\n \\r \\t \\v as backslash + letter."""
    if value is None:
        return "\\N"
    letters = {"\b": "b", "\f": "f", "\n": "n", "\r": "r", "\t": "t", "\v": "v"}
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char in letters:
            out.append("\\" + letters[char])
        else:
            out.append(char)
    return "".join(out)


# -- from_postgres_text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("postgres", "interchange"),
    [
        (b"a\\nb", b"a\\\nb"),  # newline: backslash + the LF itself
        (b"a\\rb", b"a\\\rb"),  # carriage return: backslash + CR
        (b"a\\tb", b"a\\\tb"),  # tab inside a value: backslash + TAB
        (b"a\\bb", b"a\x08b"),  # backspace, form feed, vertical tab: the raw character
        (b"a\\fb", b"a\x0cb"),
        (b"a\\vb", b"a\x0bb"),
    ],
    ids=["n", "r", "t", "b", "f", "v"],
)
def test_from_postgres_text_rewrites_letter_escapes(postgres: bytes, interchange: bytes) -> None:
    assert from_postgres_text(postgres + b"\t1\n") == interchange + b"\t1\n"


def test_from_postgres_text_leaves_escaped_backslash_and_null_alone() -> None:
    data = b"\\N\tC:\\\\dir\t\\\\\n"
    assert from_postgres_text(data) == data


def test_from_postgres_text_keeps_escaped_backslash_followed_by_letter_n() -> None:
    # PostgreSQL's \\n is a backslash and the letter n, not a newline.
    assert from_postgres_text(b"x\\\\ny\n") == b"x\\\\ny\n"
    # backslash, then a real newline: \\ then \n
    assert from_postgres_text(b"x\\\\\\ny\n") == b"x\\\\\\\ny\n"


def test_from_postgres_text_keeps_the_string_backslash_n_distinct_from_null() -> None:
    # the two-character string \N is written by PostgreSQL as \\N
    out = from_postgres_text(b"\\\\N\t\\N\n")
    assert decode_records(out) == [["\\N", None]]


def test_from_postgres_text_without_backslashes_is_unchanged() -> None:
    data = "plain\tvalues ünïcode\n".encode()
    assert from_postgres_text(data) is data


def test_from_postgres_text_matches_the_reference_decoder_for_a_corpus() -> None:
    rows = [
        ["a\nb", "tab\there", "\\", "\\n", "\r\n", None, "", "NULL", "\\N", "\b\f\v", "é€😀"],
        ["x" * 5 + "\\\\", "\n\n", "\t", None, "N", "n", "t", "\\t", " ", "'\"", "end"],
    ]
    postgres = "".join("\t".join(map(postgres_copy_text, row)) + "\n" for row in rows)
    assert decode_records(from_postgres_text(postgres.encode())) == rows


# -- format_value ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (None, "\\N"),
        ("", ""),
        ("NULL", "NULL"),
        ("\\N", "\\\\N"),
        ("plain", "plain"),
        ("a\tb", "a\\\tb"),
        ("a\nb", "a\\\nb"),
        ("a\rb", "a\\\rb"),
        ("a\\b", "a\\\\b"),
        ("a\x00b\x00", "ab"),
        ("é€😀", "é€😀"),
    ],
    ids=[
        "none",
        "empty",
        "NULL-word",
        "backslash-N",
        "plain",
        "tab",
        "lf",
        "cr",
        "backslash",
        "nul",
        "unicode",
    ],
)
def test_format_value_text(value: str | None, field: str) -> None:
    assert format_value(value) == field


def test_empty_string_null_and_null_word_stay_distinct() -> None:
    fields = [format_value(v) for v in ("", None, "NULL", "\\N")]
    assert len(set(fields)) == 4
    assert [decode_field(f) for f in fields] == ["", None, "NULL", "\\N"]
    assert NULL == "\\N"


@pytest.mark.parametrize(
    ("value", "field"),
    [(True, "t"), (False, "f"), (0, "0"), (-42, "-42"), (10**30, "1" + "0" * 30)],
)
def test_format_value_bool_and_int(value: object, field: str) -> None:
    assert format_value(value) == field


@pytest.mark.parametrize(
    ("value", "field"),
    [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity"), (1.5, "1.5")],
)
def test_format_value_float_specials(value: float, field: str) -> None:
    assert format_value(value) == field


@pytest.mark.parametrize("value", [0.1, -2.5e-300, 1.7976931348623157e308, 1 / 3, 123456789.125])
def test_format_value_float_is_full_precision(value: float) -> None:
    assert float(format_value(value)) == value


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (decimal.Decimal("123.4500"), "123.4500"),
        (decimal.Decimal("-0.01"), "-0.01"),
        (decimal.Decimal("NaN"), "NaN"),
        (decimal.Decimal("sNaN"), "NaN"),
        (decimal.Decimal("1E+30"), "1" + "0" * 30),
        (decimal.Decimal("1.5E-12"), "0.0000000000015"),
        (decimal.Decimal("-7E+3"), "-7000"),
    ],
)
def test_format_value_decimal_is_plain_digits(value: decimal.Decimal, field: str) -> None:
    text = format_value(value)
    assert text == field
    assert "E" not in text.upper() or text == "NaN"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (dt.datetime(2026, 1, 2, 3, 4, 5, 678901), "2026-01-02 03:04:05.678901"),
        (dt.datetime(2026, 1, 2, 3, 4, 5), "2026-01-02 03:04:05"),
        (
            dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
            "2026-01-01 21:34:05+00",
        ),
        (
            dt.datetime(2026, 12, 31, 23, 0, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
            "2027-01-01 01:00:00.000005+00",
        ),
        (dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone.utc), "2026-06-01 12:00:00+00"),
        (dt.date(2026, 2, 28), "2026-02-28"),
        (dt.date(99, 1, 1), "0099-01-01"),
        (dt.time(3, 4, 5), "03:04:05"),
        (dt.time(3, 4, 5, 250000), "03:04:05.250000"),
    ],
)
def test_format_value_dates_and_times(value: object, field: str) -> None:
    assert format_value(value) == field


@pytest.mark.parametrize(
    "value", [b"\x00\xff\\", bytearray(b"\x00\xff\\"), memoryview(b"\x00\xff\\")]
)
def test_format_value_bytes_is_escaped_postgres_hex(value: object) -> None:
    field = format_value(value)
    assert field == "\\\\x00ff5c"
    # after the interchange unescaping, PostgreSQL's bytea hex input form
    assert decode_field(field) == "\\x00ff5c"


def test_format_value_other_types_use_str_escaped() -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert format_value(value) == "12345678-1234-5678-1234-567812345678"


def test_format_rows_joins_fields_with_tab_and_records_with_lf() -> None:
    assert format_rows([(1, None, "a\tb"), (True, "", 2.5)]) == b"1\t\\N\ta\\\tb\nt\t\t2.5\n"
    assert format_rows([]) == b""


# -- round trip: arbitrary text survives encoding ------------------------------------------

ALPHABET = [
    "\\",
    "\t",
    "\n",
    "\r",
    "\x00",
    "N",
    "n",
    "t",
    "r",
    "\b",
    "\f",
    "\v",
    " ",
    "'",
    '"',
    "a",
    "é",
    "€",
    "😀",
    "\u2028",
]


def _corpus(count: int = 600, seed: int = 20261126) -> list[str]:
    rng = random.Random(seed)
    fixed = ["", "\\", "\\N", "N", "NULL", "\\\\N", "\n", "\t\t", "\x00", "\\\x00n"]
    return fixed + [
        "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 16))) for _ in range(count)
    ]


def test_format_value_round_trips_arbitrary_text_through_the_reference_decoder() -> None:
    for text in _corpus():
        assert decode_field(format_value(text)) == text.replace("\x00", ""), repr(text)


def test_format_rows_round_trips_records_of_arbitrary_text_and_nulls() -> None:
    rng = random.Random(7)
    values: list[str | None] = [*_corpus(300), None]
    rows = [[rng.choice(values) for _ in range(rng.randint(1, 6))] for _ in range(200)]
    expected = [[None if v is None else v.replace("\x00", "") for v in row] for row in rows]
    assert decode_records(format_rows(rows)) == expected


def test_postgres_copy_output_round_trips_arbitrary_text_after_rewriting() -> None:
    rows = [[t, None, t[::-1]] for t in _corpus() if "\x00" not in t]
    postgres = "".join("\t".join(map(postgres_copy_text, row)) + "\n" for row in rows)
    assert decode_records(from_postgres_text(postgres.encode())) == rows


def test_round_trip_property_with_hypothesis() -> None:
    pytest.importorskip("hypothesis")
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=5))
    def check(row: list[str | None]) -> None:
        expected = [None if v is None else v.replace("\x00", "") for v in row]
        assert decode_records(format_rows([row])) == [expected]
        clean = [None if v is None else v.replace("\x00", "") for v in row]
        postgres = ("\t".join(map(postgres_copy_text, clean)) + "\n").encode()
        assert decode_records(from_postgres_text(postgres)) == [clean]

    check()
