"""The seed ``users`` pipeline end to end against a real PostgreSQL source and warehouse."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.operators.upsert import UpsertOperator
from airflow_dataduct.sql.upsert import UpsertOptions
from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.staging.writer import StagedWriter
from tests.check_failures import raises_check_failure
from tests.integration.conftest import AIRFLOW, SEED_ROWS, Stack

pytestmark = pytest.mark.integration

SOURCE_ROWS = "SELECT id, user_name, user_email FROM users ORDER BY id"
PROD_ROWS = "SELECT user_id, user_name, user_email FROM prod.users ORDER BY user_id"
STAGING_ROWS = "SELECT id, user_name, user_email FROM staging.maestro_users ORDER BY id"


def run_users(stack: Stack) -> str:
    """Run the users DAG in-process (``dag.test()``); its final state."""
    dag = load_dags(stack.definitions)["users"]
    return dag.test().state


def rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    return conn.execute(sql).fetchall()


def run_task(dag_id_task: tuple[Any, str]) -> Any:
    """Render and execute one task of a built DAG outside a DAG run."""
    dag, task_id = dag_id_task
    task = dag.get_task(task_id)
    task.render_template_fields({"run_id": "manual__test"})
    return task.execute({})


def test_users_run_copies_source_rows_exactly(stack: Stack) -> None:
    assert run_users(stack) == "success"
    with stack.source() as source, stack.warehouse() as warehouse:
        expected = rows(source, SOURCE_ROWS)
        assert len(expected) == SEED_ROWS
        assert rows(warehouse, STAGING_ROWS) == expected
        assert rows(warehouse, PROD_ROWS) == expected
    names = {r[1] for r in expected}
    assert {"", "NULL"} <= names, "the seed has empty-string and 'NULL' names"
    assert any("\t" in n or "\n" in n for n in names if n)
    assert any(r[2] is None for r in expected), "the seed has NULL emails"


def test_second_run_gives_the_same_warehouse(stack: Stack) -> None:
    assert run_users(stack) == "success"
    with stack.warehouse() as warehouse:
        first = rows(warehouse, PROD_ROWS)
    assert run_users(stack) == "success"
    with stack.warehouse() as warehouse:
        assert rows(warehouse, PROD_ROWS) == first
        assert rows(warehouse, "SELECT COUNT(*) FROM staging.maestro_users")[0][0] == SEED_ROWS


def test_changed_source_rows_are_updated_and_new_ones_inserted(stack: Stack) -> None:
    assert run_users(stack) == "success"
    with stack.source() as source:
        source.execute("UPDATE users SET user_email = 'changed-' || id WHERE id % 100 = 0")
        source.execute(
            "INSERT INTO users (id, user_name, user_email) "
            "SELECT g, 'new user ' || g, 'new' || g || '@example.com' "
            "FROM generate_series(1000001, 1000150) AS g"
        )
    assert run_users(stack) == "success"
    with stack.source() as source, stack.warehouse() as warehouse:
        assert rows(warehouse, PROD_ROWS) == rows(source, SOURCE_ROWS)
        changed = rows(
            warehouse, "SELECT COUNT(*) FROM prod.users WHERE user_email LIKE 'changed-%'"
        )
        assert changed[0][0] == SEED_ROWS // 100


def test_primary_key_check_fails_on_a_duplicate_key(stack: Stack) -> None:
    assert run_users(stack) == "success"
    with stack.warehouse() as warehouse:
        warehouse.execute("INSERT INTO prod.users SELECT * FROM prod.users WHERE user_id = 7")
    dag = load_dags(stack.definitions)["users"]
    with raises_check_failure() as exc:
        run_task((dag, "PrimaryKeyCheckStep0"))
    message = str(exc.value)
    assert "1 primary key value(s) of prod.users (user_id) repeat" in message
    assert "first: (7) x2" in message


def test_failed_load_leaves_the_previous_rows(stack: Stack) -> None:
    assert run_users(stack) == "success"
    with stack.warehouse() as warehouse:
        before = rows(warehouse, STAGING_ROWS)
    store = LocalStagingStore(stack.staging)
    with StagedWriter(
        store, "bad/run/extract", 1 << 20, ("id", "user_name", "user_email")
    ) as writer:
        writer.write(b"1\tok\tok@example.com\n", 1)
        writer.write(b"not-a-number\tbroken\t\\N\n", 1)
    dag = load_dags(stack.definitions)["users"]
    table = dag.get_task("load_staging").table
    load = CreateLoadRedshiftOperator(
        task_id="bad_load",
        table=table,
        staging_location=str(stack.staging),
        staging_prefix="bad/run/extract",
        warehouse_conn_id="dataduct_warehouse",
    )
    load.prepare_sql(load.warehouse.dialect)
    with pytest.raises(Exception, match="invalid input syntax for type bigint"):
        load.execute({})
    with stack.warehouse() as warehouse:
        assert rows(warehouse, STAGING_ROWS) == before


def test_failed_upsert_leaves_the_destination_as_it_was(stack: Stack) -> None:
    assert run_users(stack) == "success"
    with stack.warehouse() as warehouse:
        warehouse.execute("UPDATE staging.maestro_users SET user_email = 'pending'")
        before = rows(warehouse, PROD_ROWS)
    dag = load_dags(stack.definitions)["users"]
    upsert = dag.get_task("upsert_users")
    failing = UpsertOperator(
        task_id="failing_upsert",
        source=upsert.source,
        destination=upsert.destination,
        options=UpsertOptions(filter_clause=f"WHERE 1 / (id - {SEED_ROWS // 2}) IS NOT NULL"),
        warehouse_conn_id="dataduct_warehouse",
    )
    failing.prepare_sql(failing.warehouse.dialect)
    with pytest.raises(Exception, match="division by zero"):
        failing.execute({})
    with stack.warehouse() as warehouse:
        assert rows(warehouse, PROD_ROWS) == before


def test_airflow_dags_test_cli_runs_the_users_pipeline(stack: Stack) -> None:
    result = subprocess.run(
        [AIRFLOW, "dags", "test", "users"],
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Replaced the contents of staging.maestro_users with 20,000 rows" in result.stdout
    with stack.warehouse() as warehouse:
        assert rows(warehouse, "SELECT COUNT(*) FROM prod.users")[0][0] == SEED_ROWS
