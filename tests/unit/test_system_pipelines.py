"""The system tests' pipelines (tests/system/pipelines.py) are valid definitions: both build,
``redshift_steps`` has one step of every Redshift-facing step type, and every statement they
render for Redshift passes the conformance checker. (The system tests themselves need AWS.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_dataduct.cli.pipeline import load_pipeline_dag
from tests.redshift_conformance import checked_pipeline_sql
from tests.system.pipelines import Target, write_definitions

REDSHIFT_STEP_TYPES = {
    "extract-redshift", "create-load-redshift", "load-redshift", "upsert", "reload",
    "delta-load", "load-reload-pk", "sql-command", "create-update-sql", "primary-key-check",
    "count-check", "column-check",
}  # fmt: skip
TARGET = Target(
    warehouse_conn_id="system_redshift",
    staging="s3://system-bucket/dataduct",
    aws_conn_id="aws_default",
    iam_role="arn:aws:iam::123456789012:role/Load",
    region="eu-west-1",
    topic_arn="arn:aws:sns:eu-west-1:123456789012:alerts",
    schema="dataduct_system_0123456789",
)


@pytest.fixture
def definitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(
        "AIRFLOW_CONN_SYSTEM_REDSHIFT", "redshift://etl:secret@redshift.example:5439/dw"
    )
    return write_definitions(tmp_path / "definitions", TARGET)


def test_redshift_steps_has_every_redshift_facing_step_type(definitions: Path) -> None:
    pipeline, _ = load_pipeline_dag("redshift_steps", str(definitions))
    assert {s.step_type for s in pipeline.steps} >= REDSHIFT_STEP_TYPES


@pytest.mark.parametrize("name", ["users", "redshift_steps"])
def test_system_pipelines_render_conforming_redshift_sql(definitions: Path, name: str) -> None:
    checked = checked_pipeline_sql(name, str(definitions))
    assert any(s.startswith("COPY ") for s in checked)
    assert TARGET.schema in "\n".join(checked), "every table is in the run's schemas"
    assert not [s for s in checked if " staging.maestro_users" in s or " prod.users" in s]
