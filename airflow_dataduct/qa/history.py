"""QA history: every check result appended to a warehouse table (Dataduct's
``dba_table_qa_tests``), so a team can chart data quality over time.

Dataduct wrote one TSV file per result to S3 and left loading them to another process; here
the row goes straight into the warehouse, in its own transaction, and the table is created
when missing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

from airflow_dataduct.sql.identifiers import Dialect, quote_qualified
from airflow_dataduct.staging.locations import open_store
from airflow_dataduct.staging.manifest import path_safe

log = logging.getLogger(__name__)

HISTORY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pipeline_name", "VARCHAR(256)"),
    ("table_name", "VARCHAR(256)"),
    ("test_name", "VARCHAR(512)"),
    ("check_type", "VARCHAR(64)"),
    ("run_date", "TIMESTAMPTZ"),
    ("recorded_at", "TIMESTAMPTZ"),
    ("success", "BOOLEAN"),
    ("tolerance", "DOUBLE PRECISION"),
    ("error_rate", "DOUBLE PRECISION"),
    ("source_count", "BIGINT"),
    ("destination_count", "BIGINT"),
    ("details", "VARCHAR(65535)"),
)
"""One row per check run; ``details`` holds the whole result as JSON."""

_NAME = r'(?:"[^"]+"|[A-Za-z_][\w$]*)'
_FIRST_TABLE = re.compile(rf"\bFROM\s+({_NAME}(?:\.{_NAME})?)", re.IGNORECASE)


def first_table(sql: str) -> str | None:
    """The first table after ``FROM`` in ``sql`` (Dataduct took the SELECT's first dependency);
    None for a subquery."""
    for match in _FIRST_TABLE.finditer(sql):
        name = match.group(1).replace('"', "")
        if name.lower() != "select":
            return name
    return None


def create_history_sql(table: str, dialect: Dialect) -> list[str]:
    """Create the history table (and its schema) when missing."""
    text = "TEXT" if dialect is Dialect.POSTGRES else "VARCHAR(65535)"
    columns = ", ".join(
        f"{name} {text if name == 'details' else kind}" for name, kind in HISTORY_COLUMNS
    )
    statements = []
    if "." in table:
        statements.append(f"CREATE SCHEMA IF NOT EXISTS {quote_qualified(table.split('.')[0])}")
    statements.append(f"CREATE TABLE IF NOT EXISTS {quote_qualified(table)} ({columns})")
    return statements


def insert_history_sql(table: str) -> str:
    """A parameterised INSERT of one history row (``%s`` placeholders: psycopg, redshift)."""
    names = ", ".join(name for name, _ in HISTORY_COLUMNS)
    marks = ", ".join(["%s"] * len(HISTORY_COLUMNS))
    return f"INSERT INTO {quote_qualified(table)} ({names}) VALUES ({marks})"


def _history_names() -> str:
    return ", ".join(name for name, _ in HISTORY_COLUMNS)


def latest_results_sql(table: str) -> str:
    """Each check's latest row (one per pipeline and test), PostgreSQL and Redshift alike."""
    names = _history_names()
    return (
        f"SELECT {names} FROM (SELECT {names}, ROW_NUMBER() OVER (PARTITION BY pipeline_name, "
        f"test_name ORDER BY recorded_at DESC) AS recency FROM {quote_qualified(table)}) latest "
        "WHERE recency = 1 ORDER BY pipeline_name, test_name"
    )


def pipeline_results_sql(table: str, limit: int) -> str:
    """A pipeline's latest ``limit`` rows, newest first; one ``%s``: the pipeline name."""
    return (
        f"SELECT {_history_names()} FROM {quote_qualified(table)} WHERE pipeline_name = %s "
        f"ORDER BY recorded_at DESC LIMIT {int(limit)}"
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def history_row(
    pipeline: str,
    result: Mapping[str, Any],
    run_date: dt.datetime | None,
    task: Mapping[str, Any] | None = None,
) -> tuple[Any, ...]:
    """The history row of one check ``result`` (the dict the QA operators return); ``task``
    (dag_id, run_id, task_id, map_index, try_number) goes into ``details`` under ``airflow``,
    so the Data Quality view links each row to its run and log."""
    details = {**result, "airflow": dict(task)} if task else dict(result)
    source = result.get("source_count")
    destination = result.get("destination_count")
    return (
        pipeline,
        result.get("table"),
        result.get("test_name"),
        result.get("check"),
        run_date,
        dt.datetime.now(dt.timezone.utc),
        bool(result.get("success")),
        _number(result.get("tolerance")),
        _number(result.get("error_rate")),
        None if source is None else int(source),
        None if destination is None else int(destination),
        json.dumps(details, sort_keys=True, default=str),
    )


def append_result(
    warehouse: Any,
    table: str,
    pipeline: str,
    result: Mapping[str, Any],
    run_date: dt.datetime | None,
    task: Mapping[str, Any] | None = None,
) -> None:
    """Append one result to ``table``: created when missing, then one INSERT in a transaction."""
    try:
        with warehouse.transaction() as cursor:
            for sql in create_history_sql(table, warehouse.dialect):
                cursor.execute(sql)
    except Exception as exc:  # a concurrent check may have created it first
        log.info("Creating %s raced with another check (%s); inserting anyway", table, exc)
    with warehouse.transaction() as cursor:
        cursor.execute(insert_history_sql(table), history_row(pipeline, result, run_date, task))
    log.info("Recorded %s in %s", result.get("test_name"), table)


def result_row(pipeline: str, result: Mapping[str, Any], at: dt.datetime) -> list[str]:
    """Dataduct's QA row: schema, table, pipeline, UTC time, test, success 1/0, tolerance,
    error rate (docs/index.md)."""
    schema, _, table = str(result.get("table") or "").rpartition(".")
    rate = result.get("error_rate")
    return [
        schema,
        table,
        pipeline,
        at.strftime("%Y-%m-%d %H:%M:%S"),
        str(result.get("test_name", "")),
        "1" if result.get("success") else "0",
        str(result.get("tolerance", "")),
        "" if rate is None else str(rate),
    ]


def write_result_row(policy: Any, result: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    """Write one result row as ``<log location>/<path suffix>/<row joined by _>.tsv``; its URI.

    The file name is Dataduct's: the row's fields joined by ``_``, dots and spaces made ``_``.
    """

    row = result_row(policy.pipeline, result, dt.datetime.now(dt.timezone.utc))
    suffix = policy.path_suffix or ""
    task = context.get("task")
    if suffix and task is not None:
        suffix = str(task.render_template(suffix, context))
    prefix = "/".join(path_safe(part) for part in suffix.split("/") if part)
    name = path_safe("_".join(row).replace(".", "_").replace(" ", "_")) + ".tsv"
    store = open_store(policy.log_location, policy.aws_conn_id)
    store.put_text(prefix, name, "\t".join(row) + "\n")
    uri = store.uri(prefix, name)
    log.info("Wrote the QA result row to %s", uri)
    return uri
