"""``splits`` on extract-rds against the session PostgreSQL: the extract stages N balanced parts
and create-load-redshift loads exactly the source's rows from them; an empty source loads."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.staging.manifest import Manifest
from airflow_dataduct.staging.store import LocalStagingStore
from tests.integration.conftest import SEED_ROWS, Stack

pytestmark = pytest.mark.integration

SOURCE_ROWS = "SELECT id, user_name, user_email FROM users ORDER BY id"
STAGING_ROWS = "SELECT id, user_name, user_email FROM staging.maestro_users ORDER BY id"
PIPELINE = """name: users_split
frequency: daily
load_time: 12:00
steps:
-   step_type: extract-rds
    sql: {sql}
    host_name: maestro
    database: userDb
    splits: {splits}
-   step_type: create-load-redshift
    name: load_staging
    table_definition: tables/staging.maestro_users.sql
"""


def extract_and_load(stack: Stack, sql: str, splits: int) -> tuple[dict[str, Any], Manifest]:
    """Run the pipeline's two tasks in order; the extract's result and committed manifest
    (read before the load, which removes its staged input)."""
    (stack.definitions / "users_split.yaml").write_text(PIPELINE.format(sql=sql, splits=splits))
    dag = load_dags(stack.definitions)["users_split"]
    extract, load = dag.get_task("ExtractRdsStep0"), dag.get_task("load_staging")
    for task in (extract, load):
        task.render_template_fields({"run_id": "manual__splits"})
    extracted = extract.execute({})
    manifest = LocalStagingStore(stack.staging).read_manifest(extract.staging_prefix)
    load.execute({})
    return extracted, manifest


def test_split_extract_stages_balanced_parts_that_load_the_exact_rows(stack: Stack) -> None:
    extracted, manifest = extract_and_load(stack, "SELECT id, user_name, user_email FROM users", 4)

    assert extracted["rows"] == SEED_ROWS
    assert extracted["parts"] == len(manifest.parts) == 4
    counts = [p.rows for p in manifest.parts]
    assert sum(counts) == SEED_ROWS
    assert max(counts) - min(counts) <= 1
    with stack.source() as source, stack.warehouse() as warehouse:
        expected = source.execute(SOURCE_ROWS).fetchall()
        assert warehouse.execute(STAGING_ROWS).fetchall() == expected
    assert any(name and ("\n" in name or "\\" in name) for _, name, _ in expected), (
        "the seed has names with line feeds or backslashes, which a split must not cut"
    )


def test_split_extract_of_an_empty_source_loads_an_empty_table(stack: Stack) -> None:
    sql = "SELECT id, user_name, user_email FROM users WHERE id < 0"
    extracted, manifest = extract_and_load(stack, sql, 3)

    assert extracted["rows"] == 0
    assert [p.rows for p in manifest.parts] == [0]
    with stack.warehouse() as warehouse:
        assert warehouse.execute(STAGING_ROWS).fetchall() == []
