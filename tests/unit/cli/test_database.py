"""``airflow-dataduct database``: foreign-key order, cycles and the printed scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_dataduct.cli.database import database_script, dependency_order
from airflow_dataduct.cli.main import main
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.tables.ddl import parse_table_file, parse_table_sql

NORTHWIND = Path(__file__).resolve().parents[2] / "fixtures/dataduct_examples/resources/tables"
CUSTOMERS = parse_table_sql("CREATE TABLE shop.customers (id INTEGER PRIMARY KEY);")
ORDERS = parse_table_sql(
    "CREATE TABLE shop.orders (id INTEGER PRIMARY KEY, "
    "customer_id INTEGER REFERENCES shop.customers(id));"
)
LINES = parse_table_sql(
    "CREATE TABLE shop.lines (order_id INTEGER, n INTEGER, "
    "FOREIGN KEY (order_id) REFERENCES shop.orders(id));"
)


def test_tables_come_after_the_tables_they_reference() -> None:
    assert dependency_order([LINES, ORDERS, CUSTOMERS]) == [CUSTOMERS, ORDERS, LINES]


def test_unrelated_tables_keep_their_order() -> None:
    other = parse_table_sql("CREATE TABLE shop.other (a INTEGER);")
    assert dependency_order([other, ORDERS, CUSTOMERS]) == [other, CUSTOMERS, ORDERS]


def test_a_foreign_key_cycle_is_an_error() -> None:
    a = parse_table_sql("CREATE TABLE a (id INTEGER REFERENCES b(id));")
    b = parse_table_sql("CREATE TABLE b (id INTEGER REFERENCES a(id));")
    with pytest.raises(ValueError, match="foreign keys form a cycle: "):
        dependency_order([a, b])


def test_scripts_per_action() -> None:
    tables = [ORDERS, CUSTOMERS]
    assert database_script("drop", tables, Dialect.POSTGRES) == [
        "DROP TABLE IF EXISTS shop.orders CASCADE",
        "DROP TABLE IF EXISTS shop.customers CASCADE",
    ]
    recreate = database_script("recreate", tables, Dialect.POSTGRES)
    assert recreate[0] == "CREATE SCHEMA IF NOT EXISTS shop"
    assert [s.split("(")[0].strip() for s in recreate[1:]] == [
        "DROP TABLE IF EXISTS shop.customers CASCADE",
        "CREATE TABLE shop.customers",
        "DROP TABLE IF EXISTS shop.orders CASCADE",
        "CREATE TABLE shop.orders",
    ]
    assert database_script("grant", tables, Dialect.REDSHIFT) == []


def test_dataduct_northwind_tables_print_in_foreign_key_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "dataduct.yaml").write_text(
        "database:\n  permissions:\n  - {group: analysts, permission: SELECT}\n"
    )
    files = sorted(str(p) for p in NORTHWIND.glob("*.sql") if not p.name.startswith("dev."))
    assert main(["database", "create", "--definitions", str(tmp_path), *files]) == 0
    out = capsys.readouterr().out
    created = [line.split()[2] for line in out.splitlines() if line.startswith("CREATE TABLE")]
    for table in map(parse_table_file, files):
        for referenced in {fk.table for fk in table.foreign_keys}:
            assert created.index(referenced) < created.index(table.name)
    assert "GRANT SELECT ON orders TO GROUP analysts;" in out


def test_bad_table_file_is_an_error_and_prints_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE VIEW v AS SELECT 1;")
    assert main(["database", "drop", "--definitions", str(tmp_path), str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.sql" in captured.err


def test_postgres_dialect_prints_the_stand_in_ddl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "shop.customers.sql"
    table.write_text("CREATE TABLE shop.customers (id INTEGER PRIMARY KEY) SORTKEY(id);")
    argv = ["database", "recreate", "--dialect", "postgres", "--definitions", str(tmp_path)]
    assert main([*argv, str(table)]) == 0
    assert capsys.readouterr().out == (
        "CREATE SCHEMA IF NOT EXISTS shop;\n"
        "DROP TABLE IF EXISTS shop.customers CASCADE;\n"
        "CREATE TABLE shop.customers (\n    id INTEGER NOT NULL\n);\n"
    )
