"""The DAG factory: one Airflow DAG per validated pipeline."""

from __future__ import annotations

import datetime as dt
import functools
import os
from typing import Any

from airflow.sdk import DAG

from airflow_dataduct.builders import BUILDERS, BuildContext
from airflow_dataduct.builders.emr import add_emr_cluster
from airflow_dataduct.factory.operations import (
    attach_outlets,
    dag_schedule,
    operations_args,
    steps_table,
    wire_lifecycle,
)
from airflow_dataduct.model.config import MODE_ENV, DataductConfig
from airflow_dataduct.model.pipeline import Pipeline
from airflow_dataduct.model.schedule import Schedule
from airflow_dataduct.staging.manifest import path_safe


@functools.cache
def timetable(schedule: Schedule) -> Any:
    """The Airflow schedule of a Dataduct frequency and load time, in UTC, with data intervals.

    Cached: a cron timetable describes itself in English when built, which is slow, and
    timetables are immutable, so pipelines with the same schedule share one.
    """
    # deferred: parse time
    from airflow.timetables.interval import (
        CronDataIntervalTimetable,
        DeltaDataIntervalTimetable,
    )

    if schedule.period is None:
        return "@once"
    if schedule.cron is not None:
        return CronDataIntervalTimetable(schedule.cron, timezone="UTC")
    return DeltaDataIntervalTimetable(schedule.period)


def start_date(schedule: Schedule, config: DataductConfig) -> dt.datetime:
    """The config's start date at the pipeline's load time, UTC, shifted by its ``time_delta``
    (a negative one starts earlier: with ``defaults.catchup`` those intervals run too)."""
    return schedule.start(config.defaults.start_date)


def dag_doc(pipeline: Pipeline, config: DataductConfig) -> str:
    """Markdown shown on the DAG's page: what it is and the active mode, then the pipeline's
    YAML and the table definitions it uses (Airflow's Code tab shows only the loader file),
    then its steps. Code blocks and plain table cells, no inline-code chips: long keys keep
    their underscores and scroll instead of wrapping."""
    delta = pipeline.schedule.time_delta
    shift = f"; start shifted by `time_delta` {delta}" if delta else ""
    frequency = pipeline.schedule.frequency
    declared = pipeline.declared_frequency
    override = f" (`defaults.frequency_override`; the file says `{declared}`)"
    runs = f"`{frequency}`" + (override if declared and declared != frequency else "")
    name = pipeline.path.rsplit("/", 1)[-1]
    parts = [
        pipeline.description or f"Dataduct pipeline {pipeline.name}.",
        "",
        f"Mode: `{config.mode or 'none'}` (`${MODE_ENV}`).",
        "",
        f"Runs {runs} at {pipeline.schedule.hour:02d}:"
        f"{pipeline.schedule.minute:02d} UTC{shift}. Defined in:",
        "",
        "```text",
        pipeline.path,
        "```",
        "",
        f"### {name}",
        "",
        "```yaml",
        pipeline.source_text.rstrip(),
        "```",
        *table_definitions(pipeline),
        "",
        "### Steps",
        "",
        steps_table(pipeline),
    ]
    return "\n".join(parts)


def table_definitions(pipeline: Pipeline) -> list[str]:
    """A section with every table definition file the steps use, as written (kept by the
    parser, so no file is read again)."""
    tables = {t.source_path: t for s in pipeline.steps for t in s.tables.values()}
    if not tables:
        return []
    folder = os.path.dirname(pipeline.path)
    lines = ["", "### Table definitions", "", "```sql"]
    for path, table in tables.items():
        shown = os.path.relpath(path, folder) if folder and os.path.isabs(path) else path
        lines += [f"-- file: {shown}", table.source_sql.strip(), ""]
    return [*lines[:-1], "```"]


def dag_tags(pipeline: Pipeline, config: DataductConfig | None = None) -> list[str]:
    """``dataduct``, the frequency, the source hosts and Dataduct's ``TAGS``
    (``defaults.dp_tags``) as ``Key:value``."""
    hosts = {
        getattr(s.params, key)
        for s in pipeline.steps
        for key in ("host_name", "source_host")
        if key in type(s.params).model_fields and getattr(s.params, key)
    }
    tags = ["dataduct", pipeline.schedule.frequency, *sorted(hosts)]
    for key, tag in (config.defaults.dp_tags if config else {}).items():
        value = tag.string if tag.string is not None else _tag_variable(pipeline, tag.variable)
        if value:
            tags.append(f"{key}:{value}"[:100])  # Airflow's tag length limit
    return tags


def _tag_variable(pipeline: Pipeline, variable: str | None) -> str | None:
    """A pipeline attribute named by a Dataduct ``TAGS`` entry's ``variable``."""
    schedule = pipeline.schedule
    values = {
        "name": pipeline.dag_id,
        "dag_id": pipeline.dag_id,
        "frequency": schedule.frequency,
        "description": pipeline.description,
        "load_time": f"{schedule.hour:02d}:{schedule.minute:02d}",
    }
    return values.get(variable or "")


def default_args(pipeline: Pipeline, config: DataductConfig) -> dict[str, Any]:
    defaults = config.defaults
    retries = pipeline.max_retries if pipeline.max_retries is not None else defaults.retries
    queue = {"queue": defaults.queue} if defaults.queue else {}
    return {
        **queue,
        "owner": defaults.owner,
        "retries": retries,
        "retry_delay": dt.timedelta(minutes=defaults.retry_delay_minutes),
        **operations_args(pipeline, config),
    }


def build_dag(pipeline: Pipeline, config: DataductConfig) -> DAG:
    """The DAG of ``pipeline``: one task per step, edges from Dataduct's rules."""
    context = BuildContext(pipeline, config)
    with DAG(
        dag_id=pipeline.dag_id,
        description=pipeline.description,
        schedule=dag_schedule(pipeline, config, timetable(pipeline.schedule)),
        start_date=start_date(pipeline.schedule, config),
        catchup=config.defaults.catchup,
        max_active_runs=config.defaults.max_active_runs,
        default_args=default_args(pipeline, config),
        doc_md=dag_doc(pipeline, config),
        tags=[*dag_tags(pipeline, config), *config.defaults.tags],
        user_defined_filters={"dataduct_path": path_safe},
    ) as dag:
        tasks = {s.name: BUILDERS[s.step_type](context, s) for s in pipeline.steps}
        for step in pipeline.steps:
            for upstream in step.upstream:
                tasks[upstream] >> tasks[step.name]
        wire_lifecycle(tasks, pipeline.steps)
        add_emr_cluster(context, tasks)
        attach_outlets(tasks, pipeline.steps, config.warehouse.conn_id)
    return dag
