"""Reruns and concurrency: clearing and rerunning a task or a whole run for the same date gives
the same warehouse; concurrent loads and upserts of one table serialize on its table lock
(``warehouse.lock_table_sql``) instead of interleaving."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.operators.upsert import UpsertOperator
from airflow_dataduct.staging.interchange import format_rows
from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.staging.writer import StagedWriter
from airflow_dataduct.tables.ddl import parse_table_sql
from tests.integration.conftest import SEED_ROWS, Stack
from tests.integration.reliability.support import digest, retain_staging, try_numbers

pytestmark = pytest.mark.integration

DATE = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc)
TASKS = [
    "ExtractRdsStep0",
    "load_staging",
    "upsert_users",
    "PrimaryKeyCheckStep0",
    "CountCheckStep0",
]


def run_for_date(stack: Stack, only: str | None = None) -> dict[str, tuple[str, int]]:
    """Run (or rerun: dag.test clears the date's task instances) the users DAG for DATE;
    with ``only``, every other task is marked successful instead of run."""
    dag = load_dags(stack.definitions)["users"]
    others = None if only is None else rf"^(?!{only}$).*$"
    run = dag.test(logical_date=DATE, run_after=DATE, mark_success_pattern=others)
    return try_numbers(run) | {"_run": (str(getattr(run.state, "value", run.state)), 0)}


def warehouse_state(stack: Stack) -> tuple[Any, ...]:
    with stack.warehouse() as warehouse:
        return (
            digest(warehouse, "staging.maestro_users"),
            digest(warehouse, "prod.users", key="user_id"),
        )


def test_rerunning_the_run_and_each_task_for_the_same_date_gives_the_same_warehouse(
    stack: Stack,
) -> None:
    retain_staging(stack.definitions)
    assert run_for_date(stack)["_run"][0] == "success"
    first = warehouse_state(stack)
    assert first[0] is not None and first[0][0] == SEED_ROWS
    assert run_for_date(stack)["_run"][0] == "success"
    assert warehouse_state(stack) == first
    for task in TASKS:
        tamper(stack, task)
        assert run_for_date(stack, only=task)["_run"][0] == "success", task
        assert warehouse_state(stack) == first, f"rerunning {task} changed the warehouse"
    assert len(list(stack.staging.rglob("manifest.json"))) == 1, "one run id, one output"


TAMPER = {
    "load_staging": "DELETE FROM staging.maestro_users WHERE id % 2 = 0",
    "upsert_users": "UPDATE prod.users SET user_name = 'tampered' WHERE user_id % 3 = 0",
}


def tamper(stack: Stack, task: str) -> None:
    """Damage what ``task`` writes, so its rerun must really run to restore it."""
    if task == "ExtractRdsStep0":
        for manifest in stack.staging.rglob("manifest.json"):
            manifest.unlink()
    elif task in TAMPER:
        with stack.warehouse() as warehouse:
            warehouse.execute(TAMPER[task])


def test_rerunning_a_load_whose_staged_files_were_removed_fails_and_keeps_the_rows(
    stack: Stack,
) -> None:
    assert run_for_date(stack)["_run"][0] == "success"
    first = warehouse_state(stack)
    assert not list(stack.staging.rglob("manifest.json")), "staging.retain is false by default"
    result = run_for_date(stack, only="load_staging")
    assert result["load_staging"][0] == "failed"
    assert warehouse_state(stack) == first
    assert run_for_date(stack, only="ExtractRdsStep0|load_staging")["_run"][0] == "success"
    assert warehouse_state(stack) == first


TABLE = "CREATE TABLE {name} (id BIGINT NOT NULL, val VARCHAR(32), PRIMARY KEY (id));"


def stage(store: LocalStagingStore, prefix: str, rows: list[tuple[Any, ...]]) -> None:
    with StagedWriter(store, prefix, 1 << 20, ("id", "val")) as writer:
        writer.write(format_rows(rows), len(rows))


def run_together(operators: list[Any]) -> list[BaseException]:
    """Execute the operators at the same moment in threads; the errors they raised."""
    barrier = threading.Barrier(len(operators))
    errors: list[BaseException] = []

    def run(operator: Any) -> None:
        operator.prepare_sql(operator.warehouse.dialect)
        barrier.wait()
        try:
            operator.execute({})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(op,)) for op in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def test_concurrent_loads_of_one_table_leave_exactly_one_load(stack: Stack) -> None:
    store = LocalStagingStore(stack.staging)
    table = parse_table_sql(TABLE.format(name="staging.shared"), "shared.sql")
    batches = {
        f"run{n}": [(i, f"load {n}") for i in range(1, 30_001 + 5_000 * n)] for n in range(3)
    }
    for prefix, rows in batches.items():
        stage(store, prefix, rows)
    loads = [
        CreateLoadRedshiftOperator(
            task_id=f"load_{prefix}",
            table=table,
            staging_location=str(stack.staging),
            staging_prefix=prefix,
            warehouse_conn_id="dataduct_warehouse",
        )
        for prefix in batches
    ]
    assert run_together(loads) == []
    with stack.warehouse() as warehouse:
        rows = warehouse.execute("SELECT id, val FROM staging.shared ORDER BY id").fetchall()
    assert rows in list(batches.values()), "the table holds exactly one load, not a mix"


def test_concurrent_upserts_into_one_table_never_interleave(stack: Stack) -> None:
    destination = parse_table_sql(TABLE.format(name="prod.shared"), "prod.shared.sql")
    sources = {n: parse_table_sql(TABLE.format(name=f"staging.src{n}"), "s.sql") for n in range(3)}
    with stack.warehouse() as warehouse:
        warehouse.execute("CREATE SCHEMA staging")
        for n in sources:
            warehouse.execute(TABLE.format(name=f"staging.src{n}"))
            warehouse.execute(
                f"INSERT INTO staging.src{n} SELECT g, 'upsert {n}' "
                f"FROM generate_series({n * 10_000 + 1}, {n * 10_000 + 40_000}) AS g"
            )
    upserts = [
        UpsertOperator(
            task_id=f"upsert_{n}",
            source=source,
            destination=destination,
            warehouse_conn_id="dataduct_warehouse",
            analyze_table=False,
        )
        for n, source in sources.items()
    ]
    assert run_together(upserts) == []
    with stack.warehouse() as warehouse:
        count, distinct = warehouse.execute(
            "SELECT count(*), count(DISTINCT id) FROM prod.shared"
        ).fetchone()
        assert count == distinct == 60_000, "every key once: no duplicate from a race"
        overlap = warehouse.execute(
            "SELECT DISTINCT val FROM prod.shared WHERE id BETWEEN 20001 AND 40000"
        ).fetchall()
        assert len(overlap) == 1, f"keys of every source came from one upsert, got {overlap}"
