"""Generated inputs for the parse benchmark: the same pipelines three ways.

* Dataduct YAML (this project's loader), with the table files they need;
* plain Python DAGs, as a team would hand-write them with Airflow's SQL operator;
* dag-factory 1.1 YAML with the same tasks, edges and schedules.
"""

from __future__ import annotations

import json
from pathlib import Path

FREQUENCIES = ("daily", "hourly", "6-hours", "daily", "weekly", "one-time")
CRONS = {
    "daily": "0 3 * * *",
    "hourly": "0 * * * *",
    "6-hours": "0 3-23/6 * * *",
    "weekly": "0 3 * * 1",
    "one-time": "@once",
}
BLOCKS = 2
"""Each pipeline repeats the seed's five steps this many times: 10 steps."""

TABLE = """CREATE TABLE {schema}.{name} (
    id          BIGINT       NOT NULL ENCODE az64,
    account_id  BIGINT       ENCODE az64,
    label       VARCHAR(256) ENCODE zstd,
    amount      DECIMAL(12,2),
    updated_at  TIMESTAMP,
    PRIMARY KEY (id)
)
DISTKEY (id)
SORTKEY (updated_at);
"""


def _steps(index: int) -> list[dict[str, object]]:
    steps: list[dict[str, object]] = []
    for block in range(BLOCKS):
        table = f"p{index:03d}_t{block}"
        load, upsert = f"load_{table}", f"upsert_{table}"
        steps += [
            {
                "step_type": "extract-rds",
                "name": f"extract_{table}",
                "sql": f"SELECT id, account_id, label, amount, updated_at FROM {table}",
                "host_name": "maestro",
                "database": "source",
            },
            {
                "step_type": "create-load-redshift",
                "name": load,
                "table_definition": f"tables/staging.{table}.sql",
            },
            {
                "step_type": "upsert",
                "name": upsert,
                "source": f"tables/staging.{table}.sql",
                "destination": f"tables/prod.{table}.sql",
            },
            {
                "step_type": "primary-key-check",
                "name": f"pk_{table}",
                "depends_on": upsert,
                "table_definition": f"tables/prod.{table}.sql",
            },
            {
                "step_type": "count-check",
                "name": f"count_{table}",
                "depends_on": upsert,
                "source_host": "maestro",
                "source_sql": f"SELECT id FROM {table}",
                "destination_sql": f"SELECT id FROM prod.{table}",
                "tolerance": 1.0,
            },
        ]
    return steps


def _edges(steps: list[dict[str, object]]) -> dict[str, list[str]]:
    """Upstream task ids per task, by Dataduct's rules for this fixed shape."""
    edges: dict[str, list[str]] = {}
    for position, step in enumerate(steps):
        name = str(step["name"])
        previous = str(steps[position - 1]["name"]) if position else None
        if step["step_type"] in ("create-load-redshift", "upsert"):
            edges[name] = [previous] if previous else []
        elif "depends_on" in step:
            edges[name] = [str(step["depends_on"])]
        else:
            edges[name] = []
    return edges


def write_dataduct(root: Path, count: int) -> None:
    """``count`` Dataduct pipelines with their table files and a shared config."""
    (root / "tables").mkdir(parents=True, exist_ok=True)
    (root / "dataduct.yaml").write_text(
        "warehouse: {conn_id: bench_warehouse}\nhosts: {maestro: bench_source}\n"
        "staging: {location: /tmp/dataduct-bench-staging}\n"
    )
    import yaml

    for index in range(count):
        for block in range(BLOCKS):
            for schema in ("staging", "prod"):
                name = f"p{index:03d}_t{block}"
                (root / "tables" / f"{schema}.{name}.sql").write_text(
                    TABLE.format(schema=schema, name=name)
                )
        pipeline = {
            "name": f"pipeline_{index:03d}",
            "frequency": FREQUENCIES[index % len(FREQUENCIES)],
            "load_time": "03:00",
            "description": f"Benchmark pipeline {index}",
            "steps": _steps(index),
        }
        (root / f"pipeline_{index:03d}.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))


def write_plain_python(path: Path, count: int) -> None:
    """The same DAGs hand-written in one Python file with SQLExecuteQueryOperator."""
    lines = [
        "import datetime as dt",
        "from airflow.sdk import DAG",
        "from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator",
        "",
        "ARGS = {'owner': 'data-eng', 'retries': 0, 'retry_delay': dt.timedelta(minutes=10)}",
        "START = dt.datetime(2026, 1, 1, 3, 0, tzinfo=dt.timezone.utc)",
        "",
    ]
    for index in range(count):
        steps = _steps(index)
        cron = CRONS[FREQUENCIES[index % len(FREQUENCIES)]]
        lines.append(
            f"with DAG('pipeline_{index:03d}', schedule={cron!r}, start_date=START, "
            f"default_args=ARGS, catchup=False, max_active_runs=1, tags=['dataduct']) as d{index}:"
        )
        for step in steps:
            sql = step.get("sql") or f"-- {step['step_type']} {step['name']}"
            lines.append(
                f"    t_{step['name']} = SQLExecuteQueryOperator(task_id={step['name']!r}, "
                f"conn_id='bench_warehouse', sql={sql!r})"
            )
        for name, upstream in _edges(steps).items():
            for parent in upstream:
                lines.append(f"    t_{parent} >> t_{name}")
        lines.append("")
    path.write_text("\n".join(lines))


def write_dag_factory(root: Path, loader: Path, count: int) -> None:
    """The same DAGs as dag-factory 1.1 YAML files, and its loader file."""
    import yaml

    root.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        steps = _steps(index)
        edges = _edges(steps)
        tasks = {
            str(step["name"]): {
                "operator": "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator",
                "conn_id": "bench_warehouse",
                "sql": step.get("sql") or f"-- {step['step_type']} {step['name']}",
                **({"dependencies": edges[str(step["name"])]} if edges[str(step["name"])] else {}),
            }
            for step in steps
        }
        config = {
            f"pipeline_{index:03d}": {
                "default_args": {
                    "owner": "data-eng",
                    "retries": 0,
                    "start_date": "2026-01-01",
                    "retry_delay_sec": 600,
                },
                "schedule": CRONS[FREQUENCIES[index % len(FREQUENCIES)]],
                "catchup": False,
                "max_active_runs": 1,
                "tags": ["dataduct"],
                "tasks": tasks,
            }
        }
        (root / f"pipeline_{index:03d}.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    loader.write_text(
        "from dagfactory import load_yaml_dags\n\n"
        f"load_yaml_dags(globals_dict=globals(), dags_folder={json.dumps(str(root))})\n"
    )
