"""extract-rds from a real MariaDB: hostile values land in the PostgreSQL warehouse exactly,
the table name is quoted for MySQL, and rows stream from a server-side cursor."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import pytest

from airflow_dataduct.connections.hooks import source_hook
from airflow_dataduct.operators.checks import CountCheckOperator
from airflow_dataduct.operators.extract_rds import ExtractRdsOperator
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.qa.compare import canonical
from airflow_dataduct.sources.mysql import server_side_cursor
from airflow_dataduct.tables.ddl import parse_table_sql
from tests.integration.mysql.conftest import MySqlStack

pytestmark = pytest.mark.integration

TABLE = "Hostile-Values"
COLUMNS = "id, txt, vc, ch, d, dt, ts, tm, amount, dbl, flag, b1, b8, en, js, yr"
MYSQL_TABLE = f"""CREATE TABLE `{TABLE}` (
    id INT PRIMARY KEY, txt TEXT, vc VARCHAR(50), ch CHAR(5), d DATE, dt DATETIME(6),
    ts TIMESTAMP(6) NULL, tm TIME(6), amount DECIMAL(20,6), dbl DOUBLE, flag TINYINT(1),
    b1 BIT(1), b8 BIT(8), en ENUM('a','b c'), js JSON, yr YEAR
) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"""
WAREHOUSE_TABLE = """CREATE TABLE staging.hostile (
    id INTEGER NOT NULL, txt VARCHAR(MAX), vc VARCHAR(50), ch VARCHAR(5), d DATE,
    dt TIMESTAMP, ts TIMESTAMPTZ, tm TIME, amount DECIMAL(20,6), dbl DOUBLE PRECISION,
    flag BOOLEAN, b1 BOOLEAN, b8 SMALLINT, en VARCHAR(10), js VARCHAR(MAX), yr SMALLINT,
    PRIMARY KEY (id)
)"""
HOSTILE_TEXT = "a\tb\nc\r\nd\\e'f\"g \U0001f600 \\N \\t end\\"
ROWS: list[tuple[Any, ...]] = [
    (1, HOSTILE_TEXT, "", "NULL", "0000-00-00", "0000-00-00 00:00:00", None,
     "23:59:59.999999", "12345678901234.123456", 1e-300, 1, 1, 255, "b c",
     '{"k": "v\\n\\u00e9"}', 2024),
    (2, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
     None),
    (3, "\\N", "NULL", "", "2024-02-29", "2024-02-29 23:59:59.5",
     "2038-01-19 03:14:07.999999", "00:00:00", "-0.000001", -1.5, 0, 0, 0, "a", "[]", 1901),
    (4, "\\\\", " spaces ", "x", "2020-00-15", "1000-01-01 00:00:00", "1970-01-01 00:00:01",
     "12:34:56.5", "0", 0.1, 1, 1, 5, "a", "null", 2155),
]  # fmt: skip
INSERT = f"INSERT INTO `{TABLE}` ({COLUMNS}) VALUES ({', '.join(['%s'] * 16)})"


def fill_source(ms: MySqlStack) -> None:
    conn = ms.source()
    try:
        cursor = conn.cursor()
        cursor.execute("SET SESSION sql_mode = ''")  # zero dates, as old MySQL data has them
        cursor.execute(f"DROP TABLE IF EXISTS `{TABLE}`")
        cursor.execute(MYSQL_TABLE)
        cursor.executemany(INSERT, ROWS)
    finally:
        conn.close()


def extract_and_load(ms: MySqlStack, staging: Path) -> dict[str, Any]:
    extract = ExtractRdsOperator(
        task_id="extract",
        table=TABLE,
        source_conn_id="dataduct_maestro",
        staging_location=str(staging),
        staging_prefix="hostile/run/extract",
    )
    extract.render_template_fields({})
    assert extract.sql == f"SELECT * FROM `{TABLE}`"
    extracted = extract.execute({})
    load = CreateLoadRedshiftOperator(
        task_id="load",
        table=parse_table_sql(WAREHOUSE_TABLE),
        staging_location=str(staging),
        staging_prefix="hostile/run/extract",
        warehouse_conn_id="dataduct_warehouse",
    )
    load.prepare_sql(load.warehouse.dialect)
    load.execute({})
    return extracted


def test_hostile_values_round_trip_into_the_warehouse(mysql_stack: MySqlStack) -> None:
    fill_source(mysql_stack)
    extracted = extract_and_load(mysql_stack, mysql_stack.stack.staging)
    assert extracted["rows"] == len(ROWS)
    got = {r[0]: r for r in mysql_stack.warehouse_rows(f"SELECT {COLUMNS} FROM staging.hostile")}

    assert got[1][1] == HOSTILE_TEXT
    assert (got[1][2], got[1][3]) == ("", "NULL")  # empty string and the string 'NULL'
    assert got[2] == (2, *[None] * 15)  # NULL everywhere
    assert (got[3][1], got[3][2], got[3][3]) == ("\\N", "NULL", "")
    assert got[4][1:3] == ("\\\\", " spaces ")
    # zero and partly zero dates become NULL
    assert (got[1][4], got[1][5], got[4][4]) == (None, None, None)
    assert got[3][4:8] == (
        dt.date(2024, 2, 29),
        dt.datetime(2024, 2, 29, 23, 59, 59, 500000),
        dt.datetime(2038, 1, 19, 3, 14, 7, 999999, tzinfo=dt.timezone.utc),
        dt.time(0, 0),
    )
    assert got[1][7] == dt.time(23, 59, 59, 999999)
    assert got[1][8] == decimal.Decimal("12345678901234.123456")
    assert got[3][8] == decimal.Decimal("-0.000001")
    assert (got[1][9], got[4][9]) == (1e-300, 0.1)
    assert [got[i][10:13] for i in (1, 3, 4)] == [
        (True, True, 255),
        (False, False, 0),
        (True, True, 5),
    ]
    assert (got[1][13], got[1][14], got[1][15]) == ("b c", '{"k": "v\\n\\u00e9"}', 2024)


def test_warehouse_equals_source_after_normalising(mysql_stack: MySqlStack) -> None:
    fill_source(mysql_stack)
    extract_and_load(mysql_stack, mysql_stack.stack.staging)
    source = mysql_stack.source_rows(f"SELECT {COLUMNS} FROM `{TABLE}` ORDER BY id")
    warehouse = mysql_stack.warehouse_rows(f"SELECT {COLUMNS} FROM staging.hostile ORDER BY id")

    def norm(row: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(
            canonical(int.from_bytes(v, "big") if isinstance(v, bytes) else v) for v in row
        )

    assert [norm(r) for r in warehouse] == [norm(r) for r in source]


def test_mysql_extract_streams_from_a_server_side_cursor(mysql_stack: MySqlStack) -> None:
    from MySQLdb.cursors import SSCursor

    hook = source_hook("dataduct_maestro")
    conn = hook.get_conn()
    try:
        cursor = server_side_cursor(conn)
        assert isinstance(cursor, SSCursor)
        cursor.execute("SELECT @@session.time_zone, @@character_set_client, COUNT(*) FROM users")
        assert cursor.fetchall() == (("+00:00", "utf8mb4", 20_000),)
    finally:
        conn.close()


def test_extract_writes_bounded_parts_from_mysql(mysql_stack: MySqlStack) -> None:
    extract = ExtractRdsOperator(
        task_id="extract",
        sql="SELECT id, user_name FROM users ORDER BY id",
        source_conn_id="dataduct_maestro",
        staging_location=str(mysql_stack.stack.staging),
        staging_prefix="parts/run/extract",
        part_size=64 << 10,
    )
    result = extract.execute({})
    assert result["rows"] == 20_000
    assert result["parts"] > 1


def test_count_check_quotes_the_source_table_for_mysql(mysql_stack: MySqlStack) -> None:
    fill_source(mysql_stack)
    with mysql_stack.stack.warehouse() as conn:
        conn.execute("CREATE TABLE hostile_copy AS SELECT g AS id FROM generate_series(1, 4) g")
    check = CountCheckOperator(
        task_id="count",
        source_conn_id="dataduct_maestro",
        source_count_sql="",
        source_table_name=TABLE,
        destination_count_sql="SELECT COUNT(*) FROM hostile_copy",
        tolerance=0.0,
        test_name="t.count",
        warehouse_conn_id="dataduct_warehouse",
    )
    check.render_template_fields({})
    assert check.source_count_sql == f"SELECT COUNT(*) FROM `{TABLE}`"
    result = check.execute({})
    assert (result["source_count"], result["destination_count"], result["success"]) == (4, 4, True)
