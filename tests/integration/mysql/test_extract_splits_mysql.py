"""``splits`` on extract-rds from a real MariaDB (server-side cursor): balanced parts that load
the source's rows exactly."""

from __future__ import annotations

import pytest

from airflow_dataduct.operators.extract_rds import ExtractRdsOperator
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.tables.ddl import parse_table_file
from tests.integration.conftest import SEED_ROWS
from tests.integration.mysql.conftest import MySqlStack

pytestmark = pytest.mark.integration

PREFIX = "users/run/extract"
COLUMNS = "id, user_name, user_email"


def test_split_extract_from_mariadb_loads_the_exact_rows(mysql_stack: MySqlStack) -> None:
    staging = str(mysql_stack.stack.staging)
    extract = ExtractRdsOperator(
        task_id="extract",
        sql=f"SELECT {COLUMNS} FROM users",
        source_conn_id="dataduct_maestro",
        staging_location=staging,
        staging_prefix=PREFIX,
        splits=3,
    )
    extracted = extract.execute({})
    manifest = LocalStagingStore(staging).read_manifest(PREFIX)
    load = CreateLoadRedshiftOperator(
        task_id="load",
        table=parse_table_file(
            mysql_stack.stack.definitions / "tables" / "staging.maestro_users.sql"
        ),
        staging_location=staging,
        staging_prefix=PREFIX,
        warehouse_conn_id="dataduct_warehouse",
    )
    load.prepare_sql(load.warehouse.dialect)
    load.execute({})

    counts = [p.rows for p in manifest.parts]
    assert extracted["rows"] == sum(counts) == SEED_ROWS
    assert len(counts) == 3
    assert max(counts) - min(counts) <= 1
    source = mysql_stack.source_rows(f"SELECT {COLUMNS} FROM users ORDER BY id")
    warehouse = mysql_stack.warehouse_rows(
        f"SELECT {COLUMNS} FROM staging.maestro_users ORDER BY id"
    )
    assert warehouse == source
