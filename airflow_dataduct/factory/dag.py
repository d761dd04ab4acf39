"""The DAG factory: one Airflow DAG per validated pipeline."""

from __future__ import annotations

import datetime as dt
import functools
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
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline
from airflow_dataduct.model.schedule import Schedule
from airflow_dataduct.staging.manifest import path_safe


@functools.cache
def timetable(schedule: Schedule) -> Any:
    """The Airflow schedule of a Dataduct frequency and load time, in UTC, with data intervals.

    Cached: a cron timetable describes itself in English when built, which is slow, and
    timetables are immutable, so pipelines with the same schedule share one.
    """
    from airflow.timetables.interval import (  # deferred: parse time
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


def dag_doc(pipeline: Pipeline) -> str:
    """Markdown shown on the DAG's page: description, source file and the YAML itself."""
    delta = pipeline.schedule.time_delta
    shift = f"; start shifted by `time_delta` {delta}" if delta else ""
    parts = [
        pipeline.description or f"Dataduct pipeline `{pipeline.name}`.",
        "",
        f"Defined in `{pipeline.path}`; runs `{pipeline.schedule.frequency}` at "
        f"{pipeline.schedule.hour:02d}:{pipeline.schedule.minute:02d} UTC{shift}.",
        "",
        "### Steps",
        "",
        steps_table(pipeline),
        "",
        "```yaml",
        pipeline.source_text.rstrip(),
        "```",
    ]
    return "\n".join(parts)


def dag_tags(pipeline: Pipeline) -> list[str]:
    """``dataduct``, the frequency, the source hosts and the configured tags."""
    hosts = {
        getattr(s.params, key)
        for s in pipeline.steps
        for key in ("host_name", "source_host")
        if getattr(s.params, key, None)
    }
    return ["dataduct", pipeline.schedule.frequency, *sorted(hosts)]


def default_args(pipeline: Pipeline, config: DataductConfig) -> dict[str, Any]:
    defaults = config.defaults
    retries = pipeline.max_retries if pipeline.max_retries is not None else defaults.retries
    return {
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
        doc_md=dag_doc(pipeline),
        tags=[*dag_tags(pipeline), *config.defaults.tags],
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
