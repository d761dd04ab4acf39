"""Pipelines with ``maestro`` mapped to a real MariaDB: the seed ``users`` pipeline and a
full-width copy of ``users`` checked by count-check and column-check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.qa.compare import canonical
from tests.check_failures import raises_check_failure
from tests.integration.conftest import SEED_ROWS
from tests.integration.mysql.conftest import MySqlStack

pytestmark = pytest.mark.integration

SOURCE_ROWS = "SELECT id, user_name, user_email FROM users ORDER BY id"
PROD_ROWS = "SELECT user_id, user_name, user_email FROM prod.users ORDER BY user_id"
FULL_COLUMNS = "id, user_name, user_email, created_at, last_login, score, is_active"

COLUMN_CHECK = """
-   step_type: column-check
    name: users_columns
    depends_on: upsert_users
    source_host: maestro
    source_sql: SELECT id, user_name, user_email FROM users
    sql_tail_for_source: ORDER BY RAND() LIMIT LIMIT_PLACEHOLDER
    sample_size: 500
    destination_table_definition: tables/prod.users.sql
    tolerance: 0
"""

FULL_TABLE = """CREATE TABLE staging.maestro_users_full (
    id BIGINT NOT NULL, user_name VARCHAR(256), user_email VARCHAR(256),
    created_at TIMESTAMPTZ, last_login TIMESTAMP, score DECIMAL(10,2), is_active BOOLEAN,
    PRIMARY KEY (id)
);
"""

FULL_PIPELINE = f"""name: users_full
frequency: one-time
steps:
-   step_type: extract-rds
    table: users
    host_name: maestro
-   step_type: create-load-redshift
    name: load_full
    table_definition: tables/staging.maestro_users_full.sql
-   step_type: count-check
    depends_on: load_full
    source_host: maestro
    source_table_name: users
    destination_table_name: staging.maestro_users_full
    tolerance: 0
-   step_type: column-check
    name: full_columns
    depends_on: load_full
    source_host: maestro
    source_sql: SELECT {FULL_COLUMNS} FROM users
    sql_tail_for_source: ORDER BY RAND() LIMIT LIMIT_PLACEHOLDER
    sample_size: 2000
    destination_table_definition: tables/staging.maestro_users_full.sql
    tolerance: 0
"""


def add_column_check(definitions: Path) -> None:
    users = definitions / "users.yaml"
    users.write_text(users.read_text() + COLUMN_CHECK)


def add_full_pipeline(definitions: Path) -> None:
    (definitions / "tables" / "staging.maestro_users_full.sql").write_text(FULL_TABLE)
    (definitions / "users_full.yaml").write_text(FULL_PIPELINE)


def run_dag(ms: MySqlStack, dag_id: str) -> Any:
    return load_dags(ms.stack.definitions)[dag_id].test()


def normalised(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(canonical(v) for v in row) for row in rows]


def test_users_pipeline_from_mysql_copies_rows_exactly(mysql_stack: MySqlStack) -> None:
    add_column_check(mysql_stack.stack.definitions)
    run = run_dag(mysql_stack, "users")
    assert run.state == "success"
    expected = mysql_stack.source_rows(SOURCE_ROWS)
    assert len(expected) == SEED_ROWS
    assert mysql_stack.warehouse_rows(PROD_ROWS) == expected
    names = {r[1] for r in expected}
    assert {"", "NULL", "Smiley \U0001f600", "cr\r\nlf", "back\\slash"} <= names
    assert any(r[2] is None for r in expected)
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["users_columns"] == states["CountCheckStep0"] == "success"


def test_full_width_copy_from_mysql_round_trips_every_type(mysql_stack: MySqlStack) -> None:
    add_full_pipeline(mysql_stack.stack.definitions)
    run = run_dag(mysql_stack, "users_full")
    assert run.state == "success"
    source = mysql_stack.source_rows(f"SELECT {FULL_COLUMNS} FROM users ORDER BY id")
    warehouse = mysql_stack.warehouse_rows(
        f"SELECT {FULL_COLUMNS} FROM staging.maestro_users_full ORDER BY id"
    )
    assert normalised(warehouse) == normalised(source)
    assert warehouse[1][3].utcoffset() is not None  # TIMESTAMP -> TIMESTAMPTZ, as UTC
    assert {r[6] for r in warehouse} == {True, False, None}


def test_column_check_from_mysql_reports_a_changed_value(mysql_stack: MySqlStack) -> None:
    add_full_pipeline(mysql_stack.stack.definitions)
    assert run_dag(mysql_stack, "users_full").state == "success"
    with mysql_stack.stack.warehouse() as conn:
        conn.execute("UPDATE staging.maestro_users_full SET score = score / 2 WHERE score <> 0")
    dag = load_dags(mysql_stack.stack.definitions)["users_full"]
    task = dag.get_task("full_columns")
    task.render_template_fields({"run_id": "manual__test"})
    with raises_check_failure(match=r"of 2,000 compared rows differ") as exc:
        task.execute({})
    assert "score: source Decimal(" in str(exc.value)


def test_count_check_from_mysql_fails_on_missing_rows(mysql_stack: MySqlStack) -> None:
    add_full_pipeline(mysql_stack.stack.definitions)
    assert run_dag(mysql_stack, "users_full").state == "success"
    with mysql_stack.stack.warehouse() as conn:
        conn.execute("DELETE FROM staging.maestro_users_full WHERE id <= 1000")
    dag = load_dags(mysql_stack.stack.definitions)["users_full"]
    task = dag.get_task("CountCheckStep0")
    task.render_template_fields({"run_id": "manual__test"})
    assert task.source_count_sql == "SELECT COUNT(*) FROM `users`"
    with raises_check_failure(match=r"error rate 5\.0000%"):
        task.execute({})
