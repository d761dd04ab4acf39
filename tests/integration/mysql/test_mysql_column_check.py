"""column-check with a MariaDB source and the PostgreSQL warehouse: no false mismatches across
the engines, keys bound as parameters, and clear outcomes when nothing matches."""

from __future__ import annotations

import pytest

from airflow_dataduct.operators.column_check import ColumnCheckOperator
from airflow_dataduct.sql.column_check import source_sample_sql
from airflow_dataduct.tables.ddl import parse_table_sql
from tests.check_failures import raises_check_failure
from tests.integration.mysql.conftest import MySqlStack
from tests.integration.mysql.test_mysql_extract import (
    COLUMNS,
    TABLE,
    WAREHOUSE_TABLE,
    extract_and_load,
    fill_source,
)

pytestmark = pytest.mark.integration

TAIL = "ORDER BY RAND() LIMIT LIMIT_PLACEHOLDER"


@pytest.fixture
def hostile(mysql_stack: MySqlStack) -> MySqlStack:
    """The hostile-values table in MariaDB, copied into staging.hostile."""
    fill_source(mysql_stack)
    extract_and_load(mysql_stack, mysql_stack.stack.staging)
    return mysql_stack


def column_check(source_sql: str, **kwargs: object) -> ColumnCheckOperator:
    kwargs.setdefault("tolerance", 0.0)
    return ColumnCheckOperator(
        task_id="column_check",
        source_conn_id="dataduct_maestro",
        source_sample_sql=source_sample_sql(source_sql, TAIL, 10),
        test_name="t.column_check",
        warehouse_conn_id="dataduct_warehouse",
        **kwargs,  # type: ignore[arg-type]
    )


def test_every_type_matches_across_engines(hostile: MySqlStack) -> None:
    check = column_check(
        f"SELECT {COLUMNS} FROM `{TABLE}`", destination_table=parse_table_sql(WAREHOUSE_TABLE)
    )
    result = check.execute({})
    assert (result["sampled"], result["compared"], result["mismatches"]) == (4, 4, 0)
    assert result["success"] is True and result["error_rate"] == 0.0


def test_a_changed_value_is_a_mismatch_with_its_column(hostile: MySqlStack) -> None:
    with hostile.stack.warehouse() as conn:
        conn.execute("UPDATE staging.hostile SET txt = txt || ' ' WHERE id = 1")
    check = column_check(
        f"SELECT {COLUMNS} FROM `{TABLE}`", destination_table=parse_table_sql(WAREHOUSE_TABLE)
    )
    with raises_check_failure(match=r"1 of 4 compared rows differ") as exc:
        check.execute({})
    assert "error rate 25.0000%" in str(exc.value)
    assert "key (1) txt" in str(exc.value)


def test_within_tolerance_passes(hostile: MySqlStack) -> None:
    with hostile.stack.warehouse() as conn:
        conn.execute("UPDATE staging.hostile SET flag = NOT flag WHERE id = 3")
    check = column_check(
        f"SELECT {COLUMNS} FROM `{TABLE}`",
        destination_table=parse_table_sql(WAREHOUSE_TABLE),
        tolerance=25.0,
    )
    result = check.execute({})
    assert result["mismatched_columns"] == {"flag": 1}
    assert result["success"] is True


def test_no_sampled_key_in_the_warehouse_fails_clearly(hostile: MySqlStack) -> None:
    with hostile.stack.warehouse() as conn:
        conn.execute("DELETE FROM staging.hostile")
    check = column_check(
        f"SELECT {COLUMNS} FROM `{TABLE}`", destination_table=parse_table_sql(WAREHOUSE_TABLE)
    )
    with raises_check_failure(match="none of the 4 sampled source keys"):
        check.execute({})


def test_an_empty_source_sample_passes(hostile: MySqlStack) -> None:
    check = column_check(
        f"SELECT {COLUMNS} FROM `{TABLE}` WHERE id < 0",
        destination_table=parse_table_sql(WAREHOUSE_TABLE),
    )
    result = check.execute({})
    assert (result["sampled"], result["success"], result["error_rate"]) == (0, True, 0.0)


def test_destination_sql_with_a_percent_sign_and_one_value(hostile: MySqlStack) -> None:
    check = column_check(
        f"SELECT id, vc FROM `{TABLE}`",
        destination_sql=(
            "SELECT id, vc FROM staging.hostile "
            "WHERE id IN PRIMARY_KEY_SET AND COALESCE(vc, '') NOT LIKE '%zzz%'"
        ),
        destination_key_count=1,
    )
    result = check.execute({})
    assert (result["compared"], result["mismatches"]) == (4, 0)


def test_composite_keys_are_bound_and_null_keys_counted_missing(hostile: MySqlStack) -> None:
    check = column_check(
        f"SELECT id, en, amount FROM `{TABLE}`",
        destination_sql=(
            "SELECT id, en, amount FROM staging.hostile WHERE (id, en) IN PRIMARY_KEY_SET"
        ),
        destination_key_count=2,
    )
    result = check.execute({})
    assert (result["sampled"], result["compared"], result["missing_in_destination"]) == (4, 3, 1)
    assert result["mismatches"] == 0


def test_dataduct_concatenated_value_is_compared_as_text(hostile: MySqlStack) -> None:
    check = column_check(
        f"SELECT id, vc, yr FROM `{TABLE}` WHERE id <> 2",
        destination_sql=(
            "SELECT id, COALESCE(vc, '') || COALESCE(CAST(yr AS TEXT), '') "
            "FROM staging.hostile WHERE id IN PRIMARY_KEY_SET"
        ),
        destination_key_count=1,
    )
    result = check.execute({})
    assert (result["compared"], result["mismatches"]) == (3, 0)
