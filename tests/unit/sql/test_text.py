"""SQL text users write: whether a statement ends in an ORDER BY a derived table may drop."""

from __future__ import annotations

import pytest

from airflow_dataduct.sql.text import ends_in_unlimited_order_by


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t ORDER BY id",
        "select * from t order   by\n id desc",
        "SELECT 1 AS a UNION SELECT 2 ORDER BY a",
        "WITH c AS (SELECT 1 AS x) SELECT * FROM c ORDER BY x",
        "SELECT * FROM t LIMIT 5 ORDER BY id",  # not valid SQL, but the ORDER BY is last
    ],
)
def test_an_outermost_order_by_without_limit_is_found(sql: str) -> None:
    assert ends_in_unlimited_order_by(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM t",
        "SELECT * FROM t ORDER BY id LIMIT 10",
        "SELECT * FROM t ORDER BY id LIMIT 10 OFFSET 5",
        "SELECT * FROM (SELECT * FROM t ORDER BY id) AS s",
        "SELECT a, ROW_NUMBER() OVER (ORDER BY b) FROM t",
        "SELECT GROUP_CONCAT(a ORDER BY b) FROM t GROUP BY c",
        "SELECT 'ORDER BY x' AS s FROM t -- ORDER BY id",
        "SELECT * FROM t /* ORDER BY id */",
        "SELECT `order by` FROM t",
    ],
)
def test_order_by_in_subqueries_windows_strings_and_comments_is_not(sql: str) -> None:
    assert not ends_in_unlimited_order_by(sql)
