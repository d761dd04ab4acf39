"""The pipeline definitions the system tests run on a real Redshift: the seed ``users``
pipeline (hostile values from devstack/seed.py) and ``redshift_steps``, one step of every
Redshift-facing step type. Written into a folder with a ``dataduct.yaml`` naming the warehouse,
staging, SNS topic and source connection of the run; every table is in the run's schemas."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DB = "userDb"
SOURCE_CONN_ID = "dataduct_system_source"
PEOPLE_ROWS = 3000
"""Source ids 1..PEOPLE_ROWS go through ``redshift_steps``."""


@dataclass(frozen=True)
class Target:
    """Where a run's pipelines work: the AWS side and the schema of the run."""

    warehouse_conn_id: str
    staging: str
    aws_conn_id: str
    iam_role: str | None
    region: str | None
    topic_arn: str | None
    schema: str

    @property
    def schemas(self) -> tuple[str, ...]:
        """Every schema the pipelines create (dropped after the run)."""
        return (self.schema, f"{self.schema}_staging", f"{self.schema}_prod")


def config_yaml(target: Target) -> str:
    """``dataduct.yaml`` for the run (JSON is YAML: no quoting to get wrong)."""
    config = {
        "warehouse": {
            "conn_id": target.warehouse_conn_id,
            "search_path": [f"{target.schema}_prod", "public"],
            "iam_role": target.iam_role,
        },
        "hosts": {"maestro": SOURCE_CONN_ID},
        "staging": {
            "location": target.staging,
            "aws_conn_id": target.aws_conn_id,
            "region": target.region,
            "retain": False,
        },
        "defaults": {"retries": 0, "start_date": "2026-01-01", "catchup": False},
        "sns": {"failure_topic_arn": target.topic_arn},
        "qa": {"on_failure": "fail", "history_table": f"{target.schema}.dba_table_qa_tests"},
    }
    return json.dumps(config, indent=1)


PEOPLE_COLUMNS = """
    id          BIGINT       NOT NULL ENCODE az64,
    user_name   VARCHAR(256)          ENCODE zstd,
    user_email  VARCHAR(256)          ENCODE zstd,
    last_login  TIMESTAMP,
    PRIMARY KEY (id)"""
PEOPLE_TABLES = (
    "people_staging",
    "people",
    "people_reloaded",
    "people_delta",
    "people_unloaded",
    "people_pk_staging",
    "people_pk",
)

STEPS_PIPELINE = """name: redshift_steps
frequency: one-time
description: One step of every Redshift-facing step type, on hostile values

steps:
-   step_type: extract-rds
    name: extract_people
    sql: SELECT id, user_name, user_email, last_login FROM users WHERE id <= {rows}
    host_name: maestro
    database: {db}

-   step_type: create-load-redshift
    name: load_people
    table_definition: tables/{s}.people_staging.sql
    script_arguments: [--max_error=1]

-   step_type: upsert
    name: upsert_people
    source: tables/{s}.people_staging.sql
    destination: tables/{s}.people.sql

-   step_type: reload
    name: reload_people
    source: tables/{s}.people.sql
    destination: tables/{s}.people_reloaded.sql

-   step_type: delta-load
    name: delta_people
    source: tables/{s}.people_staging.sql
    destination: tables/{s}.people_delta.sql
    date_column: last_login
    window: 1

-   step_type: create-update-sql
    name: prepare_unloaded
    table_definition: tables/{s}.people_unloaded.sql
    command: DELETE FROM {s}.people_unloaded WHERE id > %s;
    script_arguments: [{rows}]

-   step_type: extract-redshift
    name: unload_people
    schema: {s}
    table: people
    depends_on: [upsert_people]

-   step_type: load-redshift
    name: load_unloaded
    schema: {s}
    table: people_unloaded
    insert_mode: OVERWRITE_EXISTING
    depends_on: [prepare_unloaded]

-   step_type: load-reload-pk
    name: load_reload_people
    input_node: extract_people
    staging_table_definition: tables/{s}.people_pk_staging.sql
    production_table_definition: tables/{s}.people_pk.sql

-   step_type: sql-command
    name: log_people
    command: |
        CREATE TABLE IF NOT EXISTS {s}.people_log (rows BIGINT);
        INSERT INTO {s}.people_log SELECT COUNT(*) FROM {s}.people;
    depends_on: [upsert_people]

-   step_type: primary-key-check
    table_definition: tables/{s}.people.sql
    depends_on: [upsert_people]

-   step_type: count-check
    source_sql: SELECT id FROM users WHERE id <= {rows}
    source_host: maestro
    destination_sql: SELECT id FROM {s}.people
    tolerance: 0
    depends_on: [upsert_people]

-   step_type: column-check
    source_sql: SELECT id, user_email FROM users WHERE id <= {rows}
    source_host: maestro
    destination_sql: SELECT id, user_email FROM {s}.people
    sample_size: 200
    tolerance: 0
    depends_on: [upsert_people]
"""


def write_definitions(folder: Path, target: Target) -> Path:
    """The run's definitions folder: ``users`` (its tables moved to the run's schemas) and
    ``redshift_steps``."""
    tables = folder / "tables"
    tables.mkdir(parents=True)
    (folder / "dataduct.yaml").write_text(config_yaml(target))
    shutil.copy(ROOT / "dag_definitions" / "users.yaml", folder / "users.yaml")
    for name, schema in (
        ("staging", f"{target.schema}_staging"),
        ("prod", f"{target.schema}_prod"),
    ):
        for path in (ROOT / "dag_definitions" / "tables").glob(f"{name}.*users.sql"):
            text = path.read_text().replace(f"CREATE TABLE {name}.", f"CREATE TABLE {schema}.")
            (tables / path.name).write_text(text)
    s = target.schema
    for table in PEOPLE_TABLES:
        (tables / f"{s}.{table}.sql").write_text(
            f"CREATE TABLE {s}.{table} ({PEOPLE_COLUMNS}\n);\n"
        )
    steps = STEPS_PIPELINE.format(s=s, rows=PEOPLE_ROWS, db=SOURCE_DB)
    (folder / "redshift_steps.yaml").write_text(steps)
    return folder
