"""On a real Redshift: the SQL and staged files the stand-in accepts do what the tests promise.

Hostile text values (``\\\\N``, ``NULL``, backslashes, tabs, newlines, multibyte) staged on
real S3 load through COPY distinct from NULL, and the text ``\\N``, which Redshift's COPY cannot
tell from NULL, is refused before any SQL; a table with an IDENTITY column and columns named
like reserved words is created, loaded (EXPLICIT_IDS) and upserted; a user script's TRUNCATE
runs inside the step's transaction; an alert reaches SNS.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from airflow_dataduct.alerts import publish_sns
from airflow_dataduct.connections.warehouse import Warehouse
from airflow_dataduct.errors import StepFailed
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.operators.sql_command import SqlCommandOperator
from airflow_dataduct.operators.upsert import UpsertOperator
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.staging.interchange import format_rows
from airflow_dataduct.staging.s3 import S3StagingStore
from airflow_dataduct.staging.writer import StagedWriter
from airflow_dataduct.tables.ddl import parse_table_sql
from tests.system.conftest import Aws

TEXTS = [
    "", None, "NULL", "null", "\\\\N", "\\", "ends with backslash\\", "tab\there",
    "new\nline", "cr\rhere", "crlf\r\n", "'; DROP TABLE users; --", "100% %s %%",
    "😀 é combining e\u0301", "  spaces  ",
]  # fmt: skip


def tables(schema: str) -> tuple[object, object]:
    columns = (
        "order_id BIGINT IDENTITY(1, 1), code VARCHAR(12) NOT NULL, "
        '"explicit" VARCHAR(256), "backup" INTEGER, "Region" VARCHAR(8)'
    )
    staging = parse_table_sql(f"CREATE TABLE {schema}.orders_staging ({columns});")
    prod = parse_table_sql(f"CREATE TABLE {schema}.orders ({columns}, PRIMARY KEY (code));")
    return staging, prod


@pytest.fixture
def warehouse(aws: Aws) -> Iterator[Warehouse]:
    warehouse = Warehouse(aws.conn_id)
    assert warehouse.dialect is Dialect.REDSHIFT, f"{aws.conn_id} is not a redshift connection"
    yield warehouse
    warehouse.run_autocommit(f"DROP SCHEMA IF EXISTS {aws.schema} CASCADE")


def stage(aws: Aws, prefix: str, texts: list[str | None] = TEXTS) -> None:
    rows = [(i + 1, f"c{i}", text, i, "eu") for i, text in enumerate(texts)]
    store = S3StagingStore(aws.staging, aws.aws_conn_id)
    columns = ("order_id", "code", "explicit", "backup", "Region")
    with StagedWriter(store, prefix, 1 << 20, columns) as writer:
        writer.write(format_rows(rows), len(rows))


def common(aws: Aws) -> dict[str, object]:
    return {"warehouse_conn_id": aws.conn_id}


def test_hostile_values_identity_and_reserved_words_load_and_upsert_on_redshift(
    aws: Aws, warehouse: Warehouse
) -> None:
    staging, prod = tables(aws.schema)
    prefix = f"system/{aws.run}/orders"
    stage(aws, prefix)
    load = CreateLoadRedshiftOperator(
        task_id="load",
        table=staging,
        staging_location=aws.staging,
        staging_prefix=prefix,
        aws_conn_id=aws.aws_conn_id,
        iam_role=aws.iam_role,
        s3_region=aws.region,
        **common(aws),
    )
    assert load.execute({})["rows"] == len(TEXTS)
    rows = warehouse.query(f'SELECT order_id, "explicit" FROM {aws.schema}.orders_staging')
    assert sorted(rows) == [(i + 1, t) for i, t in enumerate(TEXTS)], "NULL and \\N distinct"
    upsert = UpsertOperator(task_id="upsert", source=staging, destination=prod, **common(aws))
    upsert.prepare_sql(Dialect.REDSHIFT)
    upsert.execute({})
    upsert.execute({})  # a rerun gives the same rows
    got = warehouse.query(f'SELECT code, "explicit", "Region" FROM {aws.schema}.orders')
    assert sorted(got) == sorted((f"c{i}", t, "eu") for i, t in enumerate(TEXTS))


def test_the_text_backslash_n_is_refused_before_any_sql(aws: Aws, warehouse: Warehouse) -> None:
    staging, _ = tables(aws.schema)
    prefix = f"system/{aws.run}/backslash_n"
    stage(aws, prefix, ["\\N", None])
    load = CreateLoadRedshiftOperator(
        task_id="load",
        table=staging,
        staging_location=aws.staging,
        staging_prefix=prefix,
        aws_conn_id=aws.aws_conn_id,
        iam_role=aws.iam_role,
        **common(aws),
    )
    with pytest.raises(StepFailed, match=r"1 staged value\(s\) .* cannot tell the value"):
        load.execute({})
    schema = f"SELECT 1 FROM pg_namespace WHERE nspname = '{aws.schema}'"
    assert warehouse.query(schema) == [], "nothing was created"


def test_truncate_in_a_script_stays_inside_the_transaction_on_redshift(
    aws: Aws, warehouse: Warehouse
) -> None:
    warehouse.run_autocommit(f"CREATE SCHEMA IF NOT EXISTS {aws.schema}")
    warehouse.run_autocommit(f"CREATE TABLE {aws.schema}.t (a INTEGER)")
    warehouse.run_autocommit(f"INSERT INTO {aws.schema}.t VALUES (1)")
    script = f"TRUNCATE {aws.schema}.t; INSERT INTO {aws.schema}.t VALUES (2); SELECT 1/0;"
    step = SqlCommandOperator(task_id="script", sql=script, **common(aws))
    with pytest.raises(StepFailed, match=r"(?i)division"):
        step.execute({})
    assert warehouse.query(f"SELECT a FROM {aws.schema}.t") == [(1,)], "all rolled back"


def test_an_alert_reaches_sns(aws: Aws) -> None:
    publish_sns(aws.aws_conn_id, aws.topic_arn, "airflow-dataduct system test", aws.run)
