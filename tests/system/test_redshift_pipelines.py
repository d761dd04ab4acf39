"""On a real Redshift, through ``airflow dags test``: the seed ``users`` pipeline with its
hostile values, and ``redshift_steps``, one step of every Redshift-facing step type
(tests/system/pipelines.py), give warehouse rows equal to the source's.

The source is a local PostgreSQL seeded by devstack/seed.py (the extract runs on this machine
and stages to the real S3 bucket); the warehouse, staging, AWS and SNS are the configured ones
(tests/system/conftest.py). Every statement sent to Redshift passes the conformance checker:
the ``airflow`` processes load tests/system/site/sitecustomize.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from airflow_dataduct.connections.warehouse import Warehouse
from devstack.postgres import PostgresServer, recreate_database, start_postgres, stop_postgres
from devstack.seed import seed_users
from tests.system.conftest import Aws
from tests.system.pipelines import (
    PEOPLE_ROWS,
    SOURCE_CONN_ID,
    SOURCE_DB,
    Target,
    write_definitions,
)

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")
SEED_ROWS = 20_000


@pytest.fixture
def source() -> Iterator[PostgresServer]:
    """A local PostgreSQL with the seeded ``users`` table (hostile values in every 1,000 ids)."""
    base = Path(tempfile.mkdtemp(prefix="dataduct-system-pg-"))
    server = start_postgres(base)
    try:
        recreate_database(server, SOURCE_DB)
        assert seed_users(server.dsn(SOURCE_DB), SEED_ROWS) == SEED_ROWS
        yield server
    finally:
        stop_postgres(base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def target(aws: Aws) -> Iterator[Target]:
    target = Target(
        warehouse_conn_id=aws.conn_id,
        staging=f"{aws.staging}/system/{aws.run}",
        aws_conn_id=aws.aws_conn_id,
        iam_role=aws.iam_role,
        region=aws.region,
        topic_arn=aws.topic_arn,
        schema=aws.schema,
    )
    yield target
    warehouse = Warehouse(aws.conn_id)
    for schema in target.schemas:
        warehouse.run_autocommit(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def dags_test(dag_id: str, definitions: Path, source: PostgresServer) -> None:
    """``airflow dags test <dag_id>`` with the run's definitions and source connection; the
    warehouse and AWS connections come from this environment."""
    subprocess.run([AIRFLOW, "db", "migrate"], check=True, capture_output=True)
    site = ROOT / "tests" / "system" / "site"
    path = os.pathsep.join(p for p in (str(site), str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {
        **os.environ,
        "PYTHONPATH": path,
        "DATADUCT_DEFINITIONS_DIR": str(definitions),
        f"AIRFLOW_CONN_{SOURCE_CONN_ID.upper()}": source.dsn(SOURCE_DB),
    }
    result = subprocess.run(
        [AIRFLOW, "dags", "test", dag_id], env=env, capture_output=True, text=True, timeout=3600
    )
    output = result.stdout[-4000:] + result.stderr[-4000:]
    assert result.returncode == 0, output
    assert "NonConformingSql" not in output, output


def source_rows(source: PostgresServer, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(source.dsn(SOURCE_DB)) as conn:
        return conn.execute(sql).fetchall()


def warehouse_rows(aws: Aws, sql: str) -> list[tuple[Any, ...]]:
    return Warehouse(aws.conn_id).query(sql)


def test_users_pipeline_with_hostile_values_copies_the_source_exactly(
    aws: Aws, target: Target, source: PostgresServer, tmp_path: Path
) -> None:
    definitions = write_definitions(tmp_path / "definitions", target)
    dags_test("users", definitions, source)
    expected = source_rows(source, "SELECT id, user_name, user_email FROM users ORDER BY id")
    names = {r[1] for r in expected}
    assert {"", "NULL"} <= names and any(n and "\r\n" in n for n in names), "hostile seed"
    staged = f"SELECT id, user_name, user_email FROM {aws.schema}_staging.maestro_users"
    prod = f"SELECT user_id, user_name, user_email FROM {aws.schema}_prod.users"
    assert warehouse_rows(aws, f"{staged} ORDER BY 1") == expected
    assert warehouse_rows(aws, f"{prod} ORDER BY 1") == expected
    dags_test("users", definitions, source)  # a rerun gives the same rows
    assert warehouse_rows(aws, f"{prod} ORDER BY 1") == expected


def test_every_redshift_facing_step_type_gives_the_source_rows(
    aws: Aws, target: Target, source: PostgresServer, tmp_path: Path
) -> None:
    definitions = write_definitions(tmp_path / "definitions", target)
    dags_test("redshift_steps", definitions, source)
    columns = "id, user_name, user_email, last_login"
    people = source_rows(
        source, f"SELECT {columns} FROM users WHERE id <= {PEOPLE_ROWS} ORDER BY id"
    )
    assert len(people) == PEOPLE_ROWS
    s = aws.schema
    for table in ("people_staging", "people", "people_reloaded", "people_unloaded", "people_pk"):
        got = warehouse_rows(aws, f"SELECT {columns} FROM {s}.{table} ORDER BY id")
        assert got == people, f"{s}.{table} differs from the source"
    delta = warehouse_rows(aws, f"SELECT {columns} FROM {s}.people_delta ORDER BY id")
    assert delta == [r for r in people if r[3] is not None], "delta-load skips NULL dates"
    assert warehouse_rows(aws, f"SELECT rows FROM {s}.people_log") == [(PEOPLE_ROWS,)]
    checks = warehouse_rows(aws, f"SELECT COUNT(*) FROM {s}.dba_table_qa_tests")
    assert checks == [(4,)], "both primary key checks, count-check and column-check logged"
