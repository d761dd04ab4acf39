"""Records formatted by the MariaDB server (sources/mysql_records.py) against the rows
formatted in Python from a server-side cursor (the path they replace): byte for byte the
same on every column type and a hostile corpus, under any sql_mode; queries the server
cannot format are streamed the old way."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any

import MySQLdb
import pytest

from airflow_dataduct.connections.hooks import source_hook
from airflow_dataduct.errors import RecordTooLong
from airflow_dataduct.sources import mysql as mysql_source
from airflow_dataduct.sources import mysql_records
from airflow_dataduct.sources.mysql_records import (
    SHORT_TEXT_BYTES,
    Escaping,
    records_select,
    stream_records,
)
from airflow_dataduct.staging.writer import split_records
from devstack import mariadb
from devstack.mariadb import MariaDbServer

pytestmark = pytest.mark.integration

DATABASE = "records_diff"
CONN_ID = "records_diff"

COLUMN_TYPES = {
    "ti": "TINYINT", "tu": "TINYINT UNSIGNED", "si": "SMALLINT", "mi": "MEDIUMINT",
    "i": "INT", "bi": "BIGINT", "bu": "BIGINT UNSIGNED", "zf": "INT(6) ZEROFILL",
    "num": "DECIMAL(65,30)", "num0": "DECIMAL(5,0)", "fl": "FLOAT", "db": "DOUBLE",
    "flag": "BOOLEAN", "b1": "BIT(1)", "b64": "BIT(64)", "d": "DATE", "dt": "DATETIME",
    "dt6": "DATETIME(6)", "ts": "TIMESTAMP NULL", "ts6": "TIMESTAMP(6) NULL", "tm": "TIME",
    "tm6": "TIME(6)", "yr": "YEAR", "ch": "CHAR(20)", "vc": "VARCHAR(200)",
    "vbin": "VARCHAR(200) COLLATE utf8mb4_bin", "lat": "VARCHAR(50) CHARACTER SET latin1",
    "tt": "TINYTEXT", "tx": "TEXT", "mt": "MEDIUMTEXT", "lt": "LONGTEXT", "bn": "BINARY(4)",
    "vb": "VARBINARY(50)", "tb": "TINYBLOB", "bl": "BLOB", "lb": "LONGBLOB",
    "en": "ENUM('a','b c','NULL','')", "st": "SET('x','y','z')", "js": "JSON",
    "pt": "POINT", "ip": "INET6", "uu": "UUID",
}  # fmt: skip
TEXT = ["ch", "vc", "vbin", "tt", "tx", "mt", "lt"]
HOSTILE_TEXT = [
    "", "NULL", "\\N", "\\", "\\\\", "a\tb", "a\nb", "a\r\nb", "\r", "nul\x00byte", "\\t",
    "tab at end\t", "\x1f", "\u00e9\u00e8", "\U0001f600 emoji", "'\"`", "  spaces  ", "\\x00ff",
    "end\\", "%s %%", "x" * 150,
]  # fmt: skip
HOSTILE_BINARY = [b"", b"\x00", b"\\", b"\t\n\r", b"\xff\xfe", b"NULL", b"\\N", bytes(range(40))]
DATES = [
    "0000-00-00", "2020-00-15", "2020-05-00", "0000-01-01", "2021-02-30", "2021-02-29",
    "2024-02-29", "2021-04-31", "0001-01-01", "9999-12-31", "1900-02-29", "0999-06-15",
]  # fmt: skip
NUMBERS = {
    "ti": [-128, 127, 0], "tu": [255, 0], "si": [-32768, 32767], "mi": [-8388608, 8388607],
    "i": [-2147483648, 2147483647], "bi": [-9223372036854775808, 9223372036854775807],
    "bu": [18446744073709551615, 0], "zf": [0, 5, 123456],
    "num": ["-12345678901234567890123456789012345.123456789012345678901234567890", "0",
            "0.000000000000000000000000000001"],
    "num0": [-99999, 0], "fl": [0.1, 1e-30, 3.4e38, -1.17549e-38, 123456789, 1 / 3],
    "db": [0.1, 1e-300, 1.7976931348623157e308, 5e-324, -0.0, 1 / 3, 123456789012345678],
    "flag": [0, 1, 127], "b1": [0, 1], "b64": [0, 1, 255, 18446744073709551615],
    "tm": ["-838:59:59", "838:59:59", "00:00:00", "-00:00:01", "12:34:56"],
    "tm6": ["-838:59:59.999999", "12:00:00.5", "00:00:00.000001"],
    "yr": [1901, 2155, 0, 2024],
}  # fmt: skip
TIMESTAMPS = ["0000-00-00 00:00:00", "1970-01-01 00:00:01", "2038-01-19 03:14:07.999999",
              "2024-02-29 12:00:00.5"]  # fmt: skip


def corpus() -> Iterator[dict[str, Any]]:
    """Rows that put every hostile value into every column of its kind, plus a NULL row."""
    yield {}  # every column NULL
    for n, text in enumerate(HOSTILE_TEXT):
        yield {column: text[:20] if column == "ch" else text for column in TEXT} | {
            "lat": text.encode("latin-1", "replace").decode("latin-1"),
            "js": '{"k": %s}' % ('"v\\\\n\\u00e9"' if n % 2 else "[1, null]"),
            "en": ["a", "b c", "NULL", ""][n % 4],
            "st": ["", "x", "x,z", "x,y,z"][n % 4],
        }
    for value in HOSTILE_BINARY:
        yield {"bn": value[:4], "vb": value, "tb": value, "bl": value, "lb": value}
    for date in DATES:
        yield {"d": date, "dt": f"{date} 23:59:59", "dt6": f"{date} 00:00:00.5"}
    for column, values in NUMBERS.items():
        for value in values:
            yield {column: value}
    for value in TIMESTAMPS:
        yield {"ts": value, "ts6": value}
    yield {
        "pt": "POINT(1.5 -2)",
        "ip": "::ffff:127.0.0.1",
        "uu": "123e4567-e89b-12d3-a456-426614174000",
    }


def insert_sql(row: dict[str, Any], row_id: int) -> tuple[str, list[Any]]:
    values = ["%s", *("ST_GeomFromText(%s)" if column == "pt" else "%s" for column in row)]
    return (
        f"INSERT INTO every_type ({', '.join(['id', *row])}) VALUES ({', '.join(values)})",
        [row_id, *row.values()],
    )


@pytest.fixture(scope="module")
def every_type(mariadb_server: MariaDbServer) -> MariaDbServer:
    """``every_type``: a column of each MySQL type, filled with the corpus (zero and invalid
    dates let in, as old MySQL data has them)."""
    mariadb.run_sql(mariadb_server, f"DROP DATABASE IF EXISTS {DATABASE};")
    mariadb.create_database(mariadb_server, DATABASE)
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMN_TYPES.items())
    conn = MySQLdb.connect(
        host=mariadb_server.host,
        port=mariadb_server.port,
        user=mariadb_server.user,
        passwd=mariadb_server.password,
        db=DATABASE,
        charset="utf8mb4",
        autocommit=True,
    )
    try:
        cursor = conn.cursor()
        cursor.execute("SET SESSION sql_mode = 'ALLOW_INVALID_DATES', time_zone = '+00:00'")
        cursor.execute(f"CREATE TABLE every_type (id INT PRIMARY KEY, {columns})")
        for row_id, row in enumerate(corpus(), start=1):
            cursor.execute(*insert_sql(row, row_id))
    finally:
        conn.close()
    return mariadb_server


@pytest.fixture
def mysql_conn(every_type: MariaDbServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A session as extracts get it (utf8mb4, UTC), with raw values on."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", every_type.uri(DATABASE))
    with contextlib.closing(source_hook(CONN_ID).get_conn()) as conn:
        assert mysql_source.use_raw_values(conn)
        yield conn


class Collected:
    """A writer that keeps what it is given."""

    def __init__(self, columns: tuple[str, ...] = ()) -> None:
        self.columns = columns
        self.data = b""
        self.rows = 0
        self.writes: list[tuple[bytes, int]] = []

    def write(self, records: bytes, rows: int) -> None:
        self.writes.append((records, rows))
        self.data += records
        self.rows += rows

    def __enter__(self) -> Collected:
        return self

    def __exit__(self, *_: Any) -> None:
        pass


def python_formatted(conn: Any, query: str) -> Collected:
    """The query's records as the server-side cursor path formats them."""
    return mysql_source._stream_cursor(conn, query, True, Collected)  # type: ignore[arg-type]


def server_formatted(
    conn: Any, query: str, escaping: Escaping | None = None
) -> tuple[tuple[str, ...], Collected]:
    planned = records_select(conn, query, escaping)
    assert planned is not None, f"the server should format {query!r}"
    collected = Collected()
    stream_records(conn, planned[1], collected.write)
    return planned[0], collected


@pytest.mark.parametrize("escaping", list(Escaping))
def test_every_type_and_hostile_value_is_formatted_byte_for_byte_as_in_python(
    mysql_conn: Any, escaping: Escaping
) -> None:
    query = "SELECT * FROM every_type"
    names, ours = server_formatted(mysql_conn, query, escaping)
    theirs = python_formatted(mysql_conn, query)
    assert names == theirs.columns == ("id", *COLUMN_TYPES)
    assert ours.rows == theirs.rows == len(list(corpus()))
    for mine, old in itertools.zip_longest(
        split_records(ours.data, ours.rows), split_records(theirs.data, theirs.rows)
    ):
        assert mine == old
    assert ours.data == theirs.data


def test_expressions_and_a_latin1_session_are_formatted_as_in_python(mysql_conn: Any) -> None:
    query = """SELECT id, CONCAT(vc, '\\t', lat) AS joined, d + INTERVAL 1 DAY AS next_day,
        ts6, b64 + 0 AS bits, NULL AS nothing, 1.5 * fl AS scaled, UPPER(tx) AS up, vb
        FROM every_type WHERE id > 1 -- a comment at the end"""
    names, ours = server_formatted(mysql_conn, query)
    assert names == ("id", "joined", "next_day", "ts6", "bits", "nothing", "scaled", "up", "vb")
    assert ours.data == python_formatted(mysql_conn, query).data


@pytest.mark.parametrize(
    "sql_mode",
    ["NO_BACKSLASH_ESCAPES,ANSI_QUOTES,PIPES_AS_CONCAT", "STRICT_ALL_TABLES,NO_ZERO_DATE"],
)
@pytest.mark.parametrize("escaping", list(Escaping))
def test_the_records_select_means_the_same_under_any_sql_mode(
    mysql_conn: Any, sql_mode: str, escaping: Escaping
) -> None:
    expected = python_formatted(mysql_conn, "SELECT * FROM every_type").data
    mysql_conn.query(f"SET SESSION sql_mode = '{sql_mode}'")
    assert server_formatted(mysql_conn, "SELECT * FROM every_type", escaping)[1].data == expected


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM every_type ORDER BY id DESC",  # MariaDB drops it in a derived table
        "SELECT e.id, f.id FROM every_type e JOIN every_type f USING (id)",  # duplicate names
        "SHOW COLUMNS FROM every_type",  # not a SELECT
    ],
)
def test_queries_the_server_cannot_format_are_streamed_from_a_cursor(
    mysql_conn: Any, query: str
) -> None:
    assert records_select(mysql_conn, query) is None
    streamed = mysql_source.stream_mysql(source_hook(CONN_ID), query, Collected)  # type: ignore[arg-type]
    expected = python_formatted(mysql_conn, query)
    assert (streamed.data, streamed.rows) == (expected.data, expected.rows)
    assert streamed.rows > 1


@pytest.mark.parametrize("comment", ["# ORDER BY id", "-- ORDER BY id", "/* ORDER BY id */"])
def test_a_query_ending_in_a_comment_is_formatted_by_the_server(
    mysql_conn: Any, comment: str
) -> None:
    query = f"SELECT id, vc FROM every_type {comment}"
    assert server_formatted(mysql_conn, query)[1].data == python_formatted(mysql_conn, query).data


def test_an_order_by_with_a_limit_keeps_its_order(mysql_conn: Any) -> None:
    query = "SELECT id, vc FROM every_type ORDER BY id DESC LIMIT 5"
    _, ours = server_formatted(mysql_conn, query)
    assert ours.data == python_formatted(mysql_conn, query).data
    last = len(list(corpus()))
    ids = [record.split(b"\t")[0] for record in split_records(ours.data, 5)]
    assert ids == [str(i).encode() for i in range(last, last - 5, -1)]


def test_records_are_staged_in_whole_record_batches_of_bounded_size(
    mysql_conn: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mysql_records, "FETCH_ROWS", 3)
    monkeypatch.setattr(mysql_records, "BATCH_BYTES", 2_000)
    _, ours = server_formatted(mysql_conn, "SELECT * FROM every_type")
    assert len(ours.writes) > 3
    assert sum(rows for _, rows in ours.writes) == len(list(corpus()))
    for records, rows in ours.writes:
        fetched = split_records(records, rows)  # whole records only
        assert len(records) - max(map(len, fetched[-3:])) * 3 - 3 < 2_000


@pytest.fixture
def small_packets(every_type: MariaDbServer) -> Iterator[int]:
    """The server's max_allowed_packet at 1 MiB (new sessions) for the test, then as it was."""
    before = mariadb.run_sql(every_type, "SELECT @@GLOBAL.max_allowed_packet;").strip()
    mariadb.run_sql(every_type, "SET GLOBAL max_allowed_packet = 1048576;")
    try:
        yield 1 << 20
    finally:
        mariadb.run_sql(every_type, f"SET GLOBAL max_allowed_packet = {int(before)};")


def fill_wide(conn: Any, kind: str, value: str | bytes) -> None:
    cursor = conn.cursor()
    cursor.execute(f"CREATE OR REPLACE TABLE wide (id INT PRIMARY KEY, v {kind})")
    cursor.executemany("INSERT INTO wide VALUES (%s, %s)", [(1, "short"), (2, value), (3, None)])
    conn.commit()


def assert_formatted_in_python_instead(
    escaping: Escaping, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> bytes:
    """The server cannot format ``wide``; stream_mysql stages Python's bytes, all 3 rows."""
    with contextlib.closing(source_hook(CONN_ID).get_conn()) as conn:
        assert mysql_source.use_raw_values(conn)
        planned = records_select(conn, "SELECT * FROM wide", escaping)
        assert planned is not None
        with pytest.raises(RecordTooLong, match="could not format a row"):
            stream_records(conn, planned[1], Collected().write)
    real = mysql_records.records_select
    monkeypatch.setattr(
        mysql_source, "records_select", lambda conn, query: real(conn, query, escaping)
    )
    streamed = mysql_source.stream_mysql(source_hook(CONN_ID), "SELECT * FROM wide", Collected)  # type: ignore[arg-type]
    with contextlib.closing(source_hook(CONN_ID).get_conn()) as conn:
        assert mysql_source.use_raw_values(conn)
        expected = python_formatted(conn, "SELECT * FROM wide")
    assert (streamed.data, streamed.rows) == (expected.data, 3)
    assert "formatting the rows in Python instead" in caplog.text
    return streamed.data


@pytest.mark.parametrize("escaping", list(Escaping))
@pytest.mark.parametrize(
    ("kind", "value"),
    [("LONGTEXT", "\t" * 600_000), ("LONGBLOB", b"\x01" * 600_000)],  # 1.2 MB escaped / hex
)
def test_a_record_longer_than_max_allowed_packet_is_formatted_in_python(
    mysql_conn: Any,
    small_packets: int,
    kind: str,
    value: str | bytes,
    escaping: Escaping,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill_wide(mysql_conn, kind, value)
    data = assert_formatted_in_python_instead(escaping, caplog, monkeypatch)
    assert len(data) > small_packets


def test_long_text_is_not_escaped_by_a_replace_chain(
    mysql_conn: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_wide(mysql_conn, "LONGTEXT", "a\tb\n" * (SHORT_TEXT_BYTES // 4 + 1))
    assert_formatted_in_python_instead(Escaping.REPLACE, caplog, monkeypatch)
    planned = records_select(mysql_conn, "SELECT * FROM wide", Escaping.REGEXP)
    assert planned is not None  # REGEXP_REPLACE takes it (one pass)
    assert server_formatted(mysql_conn, "SELECT * FROM wide", Escaping.REGEXP)[1].data == (
        python_formatted(mysql_conn, "SELECT * FROM wide").data
    )
