"""count-check at its tolerance boundaries, against real source and warehouse databases."""

from __future__ import annotations

import pytest

from airflow_dataduct.operators.checks import CountCheckOperator
from tests.check_failures import raises_check_failure
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def count_check(tolerance: float) -> CountCheckOperator:
    return CountCheckOperator(
        task_id="count_check",
        source_conn_id="dataduct_maestro",
        source_count_sql="SELECT COUNT(*) FROM (SELECT id FROM items) AS dataduct_count",
        destination_count_sql="SELECT COUNT(*) FROM (SELECT id FROM items) AS dataduct_count",
        tolerance=tolerance,
        test_name="t.count_check",
        warehouse_conn_id="dataduct_warehouse",
    )


def fill(stack: Stack, source_rows: int, warehouse_rows: int) -> None:
    for connect, count in ((stack.source, source_rows), (stack.warehouse, warehouse_rows)):
        with connect() as conn:
            conn.execute("DROP TABLE IF EXISTS items")
            conn.execute(f"CREATE TABLE items AS SELECT g AS id FROM generate_series(1, {count}) g")


@pytest.mark.parametrize(
    ("source_rows", "warehouse_rows", "tolerance"),
    [(100, 98, 2.0), (100, 102, 2.0), (100, 100, 0.0), (0, 0, 0.0), (1000, 999, 0.1)],
)
def test_count_check_passes_within_tolerance(
    stack: Stack, source_rows: int, warehouse_rows: int, tolerance: float
) -> None:
    fill(stack, source_rows, warehouse_rows)
    result = count_check(tolerance).execute({})
    assert result["success"] is True
    assert (result["source_count"], result["destination_count"]) == (source_rows, warehouse_rows)


@pytest.mark.parametrize(
    ("source_rows", "warehouse_rows", "tolerance", "shown"),
    [
        (100, 97, 2.0, "error rate 3.0000%"),
        (100, 103, 2.0, "error rate 3.0000%"),
        (1000, 998, 0.1, "error rate 0.2000%"),
        (0, 5, 100.0, "error rate undefined (empty source)"),
    ],
)
def test_count_check_fails_beyond_tolerance_with_the_numbers(
    stack: Stack, source_rows: int, warehouse_rows: int, tolerance: float, shown: str
) -> None:
    fill(stack, source_rows, warehouse_rows)
    with raises_check_failure() as exc:
        count_check(tolerance).execute({})
    assert shown in str(exc.value)
    assert f"source {source_rows:,} rows, warehouse {warehouse_rows:,} rows" in str(exc.value)
