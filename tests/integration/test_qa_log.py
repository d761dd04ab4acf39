"""log_to_s3: each QA check of a run writes Dataduct's TSV result row (local and S3 staging)."""

from __future__ import annotations

import pytest

from airflow_dataduct.factory.loader import load_dags
from tests.integration.conftest import MotoS3, Stack

pytestmark = pytest.mark.integration

LOGGED = """
-   step_type: primary-key-check
    name: logged_pk_check
    depends_on: upsert_users
    table_definition: tables/prod.users.sql
    log_to_s3: true
    script_arguments:
    -   --path_suffix=#{format(@scheduledStartTime, 'YYYY-MM-dd')}
"""


def add_logged_check(stack: Stack) -> None:
    users = stack.definitions / "users.yaml"
    users.write_text(users.read_text() + LOGGED)


def test_log_to_s3_writes_the_result_row_under_the_run_date(stack: Stack) -> None:
    add_logged_check(stack)
    dag = load_dags(stack.definitions)["users"]
    run = dag.test()
    assert run.state == "success"
    day = run.data_interval_start.strftime("%Y-%m-%d")
    rows = list((stack.staging / "qa" / "dba_table_qa_tests" / day).glob("*.tsv"))
    assert len(rows) == 1
    fields = rows[0].read_text().rstrip("\n").split("\t")
    assert fields[:3] == ["prod", "users", "users"]
    assert fields[4:7] == ["users.logged_pk_check", "1", "0"]


def test_log_to_s3_writes_to_s3_when_staging_is_on_s3(stack: Stack, moto_s3: MotoS3) -> None:
    add_logged_check(stack)
    config = stack.definitions / "dataduct.yaml"
    config.write_text(
        config.read_text().replace(
            f"location: {stack.staging}", f"location: s3://{moto_s3.bucket}/etl"
        )
    )
    assert load_dags(stack.definitions)["users"].test().state == "success"
    keys = moto_s3.keys("etl/qa/dba_table_qa_tests/")
    assert len(keys) == 1 and keys[0].endswith(".tsv")
