"""Exact round trip: hostile values go source -> staged files -> load -> upsert unchanged, for
local and S3 staging. Compared as PostgreSQL's text form of every row, so -0, NaN, BC dates,
trailing spaces and the difference between '', NULL, 'NULL' and '\\N' all count."""

from __future__ import annotations

import stat
from typing import Any

import pytest

from airflow_dataduct.factory.loader import load_dags
from tests.integration.conftest import MotoS3, Stack
from tests.integration.reliability.support import retain_staging, set_config

pytestmark = pytest.mark.integration

COLUMNS = """    id      BIGINT        NOT NULL,
    txt     VARCHAR(MAX),
    chr     CHAR(12),
    num     NUMERIC(38,10),
    dbl     DOUBLE PRECISION,
    big     BIGINT,
    ts      TIMESTAMPTZ,
    tsn     TIMESTAMP,
    day     DATE,
    flag    BOOLEAN"""
TABLE = "CREATE TABLE {name} (\n" + COLUMNS + ",\n    PRIMARY KEY (id)\n);\n"
PIPELINE = """name: hostile_values
steps:
-   step_type: extract-rds
    table: hostile
    host_name: maestro
-   step_type: create-load-redshift
    name: load_hostile
    table_definition: tables/staging.hostile.sql
-   step_type: upsert
    name: upsert_hostile
    source: tables/staging.hostile.sql
    destination: tables/prod.hostile.sql
"""

CONTROL = "".join(chr(c) for c in range(1, 32)) + "\x7f"
TEXTS = [
    "", None, "NULL", "null", "\\N", "\\\\N", "\\", "\\\\", "ends with backslash\\",
    "tab\there", "new\nline", "cr\rhere", "crlf\r\n", "\n", "\t", "\r",
    "\\t literal backslash-t", "\\n", "\\x41", "E'\\x41'", "'single'", '"double"', "`tick`",
    "'; DROP TABLE users; --", "%s %(name)s {} {{0}}", CONTROL, "\u2028\u2029\u0085",
    "\ufeffbom", "😀🚀 \U0001d518\U0001d52b\U0001d526\U0001d520\U0001d52c\U0001d521\U0001d522 𠜎",
    "é combining e\u0301", "  spaces  ", "x" * 1_000_000,
    "\\" * 1000 + "\t" * 1000 + "\n" * 1000,
]  # fmt: skip
NUMERICS = [
    "9999999999999999999999999999.9999999999", "-9999999999999999999999999999.9999999999",
    "0.0000000001", "-0", "0", "NaN", "123.4500000000",
]  # fmt: skip
DOUBLES = [
    "1.7976931348623157e308", "-1.7976931348623157e308", "5e-324", "2.2250738585072014e-308",
    "-0", "Infinity", "-Infinity", "NaN", "0.1", "1e-7", "123456789012345678",
]  # fmt: skip
BIGINTS = ["-9223372036854775808", "9223372036854775807", "0", "-1"]
TIMESTAMPTZS = [
    "0001-01-01 00:00:00+00", "0001-01-01 00:00:00+14", "9999-12-31 23:59:59.999999+00",
    "2026-03-29 01:30:00+05:45", "1970-01-01 00:00:00+00", "0044-03-15 12:00:00+00 BC",
    "2000-02-29 12:00:00.000001-12", "infinity", "-infinity",
]  # fmt: skip
TIMESTAMPS = ["0001-01-01 00:00:00", "9999-12-31 23:59:59.999999", "4713-01-01 00:00:00 BC"]
DATES = ["0001-01-01", "9999-12-31", "2000-02-29", "4713-01-01 BC", "infinity"]
CHARS = ["", "a", " a ", "abcdefghijkl", "\t\n", "~\x7f"]  # CHAR: single-byte only (Redshift)


def hostile_rows() -> list[tuple[Any, ...]]:
    """Every hostile value at least once; the other columns cycle through theirs."""
    columns = [TEXTS, CHARS, NUMERICS, DOUBLES, BIGINTS, TIMESTAMPTZS, TIMESTAMPS, DATES]
    count = max(len(c) for c in columns)
    rows = []
    for i in range(count):
        values = [c[i % len(c)] for c in columns]
        rows.append((i + 1, *values, [True, False, None][i % 3]))
    rows.append((count + 1, *([None] * 9)))
    return rows


def setup_hostile_pipeline(stack: Stack) -> list[str]:
    """Source table, table files and pipeline; returns the source rows as text."""
    (stack.definitions / "hostile_values.yaml").write_text(PIPELINE)
    for name in ("staging.hostile", "prod.hostile"):
        (stack.definitions / "tables" / f"{name}.sql").write_text(TABLE.format(name=name))
    with stack.source() as source:
        source.execute(TABLE.format(name="hostile").replace("VARCHAR(MAX)", "VARCHAR"))
        with source.cursor().copy("COPY hostile FROM STDIN") as copy:
            for row in hostile_rows():
                copy.write_row(row)
        return as_text(source, "hostile")


def as_text(conn: Any, table: str) -> list[str]:
    """Every row in PostgreSQL's text form, in key order (UTC, so time zones compare)."""
    conn.execute("SET TIME ZONE 'UTC'")
    return [r[0] for r in conn.execute(f"SELECT t::text FROM {table} AS t ORDER BY id")]


def assert_round_trip(stack: Stack, expected: list[str]) -> None:
    dag = load_dags(stack.definitions)["hostile_values"]
    assert dag.test().state == "success"
    with stack.warehouse() as warehouse:
        assert as_text(warehouse, "staging.hostile") == expected
        assert as_text(warehouse, "prod.hostile") == expected


def test_hostile_values_round_trip_through_local_staging(stack: Stack) -> None:
    expected = setup_hostile_pipeline(stack)
    assert len(expected) == len(hostile_rows())
    assert_round_trip(stack, expected)
    assert not list(stack.staging.rglob("part-*")), "loaded files are removed by default"


def test_hostile_values_round_trip_through_s3_staging(stack: Stack, moto_s3: MotoS3) -> None:
    set_config(stack.definitions, location=f"s3://{moto_s3.bucket}/etl")
    expected = setup_hostile_pipeline(stack)
    assert_round_trip(stack, expected)
    assert moto_s3.keys("etl/") == [], "loaded files are removed by default"


def test_retained_local_staging_is_owner_only_and_a_rerun_gives_the_same_rows(
    stack: Stack,
) -> None:
    set_config(stack.definitions, part_size_mb="1")
    retain_staging(stack.definitions)
    expected = setup_hostile_pipeline(stack)
    assert_round_trip(stack, expected)
    assert_round_trip(stack, expected)
    assert len(list(stack.staging.rglob("manifest.json"))) == 2, "both runs' files are kept"
    assert list(stack.staging.rglob("part-*.tsv")), "the retained parts (plain on local disk)"
    for path in [stack.staging, *stack.staging.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (str(path), oct(mode))
