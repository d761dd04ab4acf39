"""MySQL sources, pure parts: value formatting into the interchange format, and names quoted
for the source's dialect."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from airflow_dataduct.sources.mysql import (
    BIT,
    TIMESTAMP,
    column_formatters,
    format_mysql_rows,
    raw_column_formatters,
    text_column,
)
from airflow_dataduct.sql.source import (
    SourceDialect,
    count_source_table_sql,
    quote_source_qualified,
    select_all_sql,
)
from airflow_dataduct.staging.interchange import format_duration, format_value

DATETIME = 12
VAR_STRING = 253
NEWDECIMAL = 246
TIME = 11


def description(*type_codes: int) -> list[tuple[object, ...]]:
    return [(f"c{i}", code, None, None, None, None, True) for i, code in enumerate(type_codes)]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(hours=12, microseconds=250000), "12:00:00.250000"),
        (dt.timedelta(hours=838, minutes=59, seconds=59), "838:59:59"),
        (-dt.timedelta(hours=838, minutes=59, seconds=59), "-838:59:59"),
        (dt.timedelta(seconds=-1), "-00:00:01"),
        (dt.timedelta(0), "00:00:00"),
    ],
)
def test_mysql_time_values_are_written_as_durations(value: dt.timedelta, text: str) -> None:
    assert format_duration(value) == text
    assert format_value(value) == text


def test_bit_columns_become_their_integer_value() -> None:
    formatters = column_formatters(description(BIT, BIT, BIT))
    line = format_mysql_rows([(b"\x01", b"\x00\xff", None)], formatters)
    assert line == b"1\t255\t\\N\n"


def test_timestamp_columns_are_marked_utc_and_datetime_columns_are_not() -> None:
    formatters = column_formatters(description(TIMESTAMP, DATETIME))
    moment = dt.datetime(2038, 1, 19, 3, 14, 7, 999999)
    assert format_mysql_rows([(moment, moment)], formatters) == (
        b"2038-01-19 03:14:07.999999+00\t2038-01-19 03:14:07.999999\n"
    )


def test_hostile_text_decimal_and_zero_dates_are_escaped_or_null() -> None:
    formatters = column_formatters(description(VAR_STRING, VAR_STRING, NEWDECIMAL, DATETIME, TIME))
    text = "a\tb\nc\r\\d \U0001f600"
    # mysqlclient returns zero dates ('0000-00-00') as None: they are written as NULL
    row = (text, "NULL", decimal.Decimal("-0.000001"), None, dt.timedelta(seconds=-1))
    assert (
        format_mysql_rows([row, ("", None, decimal.Decimal("1.50"), None, None)], formatters)
        == (
            "a\\\tb\\\nc\\\r\\\\d \U0001f600\tNULL\t-0.000001\t\\N\t-00:00:01\n"
            "\t\\N\t1.50\t\\N\t\\N\n"
        ).encode()
    )


def test_tinyint_booleans_stay_integers() -> None:
    assert format_mysql_rows([(1, 0)], column_formatters(description(1, 1))) == b"1\t0\n"


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        (SourceDialect.MYSQL, "SELECT * FROM `userDb`.`Order-Items`"),
        (SourceDialect.POSTGRES, 'SELECT * FROM "userDb"."Order-Items"'),
        (SourceDialect.ANSI, 'SELECT * FROM "userDb"."Order-Items"'),
    ],
)
def test_table_names_are_quoted_for_the_source_dialect(
    dialect: SourceDialect, expected: str
) -> None:
    assert select_all_sql("userDb.Order-Items", dialect) == expected


def test_plain_names_and_backticks() -> None:
    assert quote_source_qualified("users", SourceDialect.POSTGRES) == "users"
    assert quote_source_qualified("we`ird", SourceDialect.MYSQL) == "`we``ird`"
    assert count_source_table_sql("users", SourceDialect.MYSQL) == "SELECT COUNT(*) FROM `users`"
    with pytest.raises(ValueError, match="NUL"):
        quote_source_qualified("a\x00b", SourceDialect.MYSQL)


@pytest.mark.parametrize(
    ("conn_type", "dialect"),
    [("mysql", SourceDialect.MYSQL), ("postgres", SourceDialect.POSTGRES),
     ("sqlite", SourceDialect.ANSI)],
)  # fmt: skip
def test_connection_type_picks_the_source_dialect(conn_type: str, dialect: SourceDialect) -> None:
    assert SourceDialect.of_conn_type(conn_type) is dialect


def test_extract_table_is_quoted_for_the_source_when_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow_dataduct.operators.extract_rds import ExtractRdsOperator

    monkeypatch.setenv("AIRFLOW_CONN_UNIT_MYSQL", "mysql://u:p@127.0.0.1:1/userDb")
    monkeypatch.setenv("AIRFLOW_CONN_UNIT_PG", "postgresql://u:p@127.0.0.1:1/userDb")
    for conn_id, expected in (("unit_mysql", "`Order-Items`"), ("unit_pg", '"Order-Items"')):
        extract = ExtractRdsOperator(
            task_id=f"extract_{conn_id}",
            table="Order-Items",
            source_conn_id=conn_id,
            staging_location="/tmp/unused",
            staging_prefix="p",
        )
        extract.render_template_fields({})
        assert extract.sql == f"SELECT * FROM {expected}"


def test_extract_takes_exactly_one_of_sql_and_table() -> None:
    from airflow_dataduct.operators.extract_rds import ExtractRdsOperator

    common = {"source_conn_id": "x", "staging_location": "/tmp/unused", "staging_prefix": "p"}
    with pytest.raises(ValueError, match="exactly one of sql and table"):
        ExtractRdsOperator(task_id="both", sql="SELECT 1", table="t", **common)
    with pytest.raises(ValueError, match="exactly one of sql and table"):
        ExtractRdsOperator(task_id="neither", **common)


def test_count_check_source_table_is_quoted_for_the_source(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_dataduct.operators.checks import CountCheckOperator

    monkeypatch.setenv("AIRFLOW_CONN_UNIT_MYSQL", "mysql://u:p@127.0.0.1:1/userDb")
    monkeypatch.setenv("AIRFLOW_CONN_UNIT_WH", "postgresql://u:p@127.0.0.1:1/warehouse")
    check = CountCheckOperator(
        task_id="count",
        source_conn_id="unit_mysql",
        source_count_sql="",
        source_table_name="userDb.Order",
        destination_count_sql="SELECT COUNT(*) FROM t",
        tolerance=1.0,
        test_name="t.count",
        warehouse_conn_id="unit_wh",
    )
    check.render_template_fields({})
    assert check.source_count_sql == "SELECT COUNT(*) FROM `userDb`.`Order`"


# -- raw values (mysqlclient without converters): the server's text for numbers and dates ------

DATE, LONGLONG, BLOB = 10, 8, 252


def test_raw_numbers_dates_and_times_are_written_as_the_server_sent_them() -> None:
    formatters = raw_column_formatters(
        description(LONGLONG, NEWDECIMAL, DATETIME, TIMESTAMP, TIME, BIT, DATE)
    )
    row = (
        b"-9",
        b"-0.000001",
        b"2038-01-19 03:14:07.999999",
        b"2038-01-19 03:14:07",
        b"-838:59:59",
        b"\x00\xff",
        b"2020-02-29",
    )
    nulls = (None,) * 7
    assert format_mysql_rows([row, nulls], formatters) == (
        b"-9\t-0.000001\t2038-01-19 03:14:07.999999\t2038-01-19 03:14:07+00\t-838:59:59\t255\t"
        b"2020-02-29\n" + b"\t".join([b"\\N"] * 7) + b"\n"
    )


@pytest.mark.parametrize("value", [b"0000-00-00", b"2020-00-15 00:00:00", b"2021-02-30"])
def test_raw_zero_and_invalid_dates_become_null(value: bytes) -> None:
    for code in (DATE, DATETIME, TIMESTAMP):
        assert format_mysql_rows([(value,)], raw_column_formatters(description(code))) == b"\\N\n"


def test_text_columns_are_escaped_a_column_at_a_time_with_nulls_kept_apart() -> None:
    plain = ("a", "b \U0001f600", "")
    assert text_column(plain) is plain, "nothing to escape: the column is used as it is"
    hostile = ("a\tb", None, "NULL", "c\\d\ne\r", "nul\x00", "\\N", None)
    assert text_column(hostile) == [
        "a\\\tb",
        "\\N",
        "NULL",
        "c\\\\d\\\ne\\\r",
        "nul",
        "\\\\N",
        "\\N",
    ]
    assert text_column((None, None)) == ["\\N", "\\N"]


def test_a_value_holding_the_separator_is_escaped_value_by_value() -> None:
    assert text_column(("a\x1fb", "c\td")) == ["a\x1fb", "c\\\td"]


def test_binary_values_in_a_string_column_are_bytea_hex() -> None:
    formatters = raw_column_formatters(description(BLOB))
    assert format_mysql_rows([(b"\x00\xff",), (None,)], formatters) == b"\\\\x00ff\n\\N\n"
