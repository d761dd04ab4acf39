"""The warehouse's log line per statement says what it did, never ``-1 rows``."""

from __future__ import annotations

import pytest

from airflow_dataduct.connections.warehouse import describe_statement


@pytest.mark.parametrize(
    ("sql", "rowcount", "line"),
    [
        (
            "CREATE TEMPORARY TABLE users_temp (LIKE prod.users)",
            -1,
            "Ran CREATE TEMPORARY TABLE users_temp",
        ),
        (
            "INSERT INTO prod.users (SELECT * FROM t)",
            1234,
            "INSERT INTO prod.users: 1,234 rows inserted",
        ),
        ("DELETE FROM prod.users USING t", 1, "DELETE FROM prod.users USING t: 1 row deleted"),
        ("UPDATE prod.users SET a = 1", 0, "UPDATE prod.users SET a = 1: 0 rows updated"),
        ("CREATE TABLE x AS SELECT 1", 1, "CREATE TABLE x AS SELECT 1: 1 row written"),
    ],
)
def test_each_statement_logs_what_it_did(sql: str, rowcount: int, line: str) -> None:
    assert describe_statement(sql, rowcount) == line


def test_a_long_statement_is_cut_on_one_line() -> None:
    line = describe_statement("SELECT\n   " + "a, " * 60 + "b FROM t", -1)
    assert "\n" not in line and line.endswith("...") and len(line) == len("Ran ") + 80
