"""What the DAG factory adds for operations: schedule (time and assets), retries, timeouts,
alerts, bootstrap/teardown as setup/teardown tasks, table assets and the step table in the docs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_dataduct.alerts import FailureAlert
from airflow_dataduct.builders.registry import alert_settings
from airflow_dataduct.factory.assets import step_outlets, table_condition
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline, StepSpec


def dag_schedule(pipeline: Pipeline, config: DataductConfig, time_schedule: Any) -> Any:
    """The time schedule, or the tables of ``schedule_on_tables``, or either one."""
    if not pipeline.schedule_on_tables:
        return time_schedule
    condition = table_condition(config.warehouse.conn_id, pipeline.schedule_on_tables)
    if pipeline.schedule.period is None:
        return condition
    # deferred: parse time
    from airflow.sdk import AssetOrTimeSchedule

    return AssetOrTimeSchedule(timetable=time_schedule, assets=condition)


def operations_args(pipeline: Pipeline, config: DataductConfig) -> dict[str, Any]:
    """default_args for retries with backoff, timeouts and the failure alert."""
    defaults = config.defaults
    args: dict[str, Any] = {}
    if defaults.retry_exponential_backoff:
        args["retry_exponential_backoff"] = defaults.retry_exponential_backoff
    if defaults.max_retry_delay_minutes is not None:
        args["max_retry_delay"] = dt.timedelta(minutes=defaults.max_retry_delay_minutes)
    timeout = pipeline.execution_timeout
    if timeout is None and defaults.execution_timeout_minutes is not None:
        timeout = dt.timedelta(minutes=defaults.execution_timeout_minutes)
    if timeout is not None:
        args["execution_timeout"] = timeout
    settings = alert_settings(pipeline.topic_arn, config)
    if settings.alerts_on_failure:
        args["on_failure_callback"] = FailureAlert(settings)
    return args


def _operators(node: Any) -> list[Any]:
    """The operators of a task or of a task group (its leaves first)."""
    # deferred: parse time
    from airflow.sdk import BaseOperator

    if isinstance(node, BaseOperator):
        return [node]
    return list(node.children.values()) if hasattr(node, "children") else [node]


def _leaves(node: Any) -> list[Any]:
    # deferred: parse time
    from airflow.sdk import BaseOperator

    return [node] if isinstance(node, BaseOperator) else list(node.get_leaves())


def attach_outlets(tasks: Mapping[str, Any], steps: Iterable[StepSpec], conn_id: str) -> None:
    """Each writing step's tables become Asset outlets of its (last) task(s)."""
    for step in steps:
        outlets = step_outlets(conn_id, step)
        if outlets:
            for task in _leaves(tasks[step.name]):
                task.outlets = [*task.outlets, *outlets]


def wire_lifecycle(tasks: Mapping[str, Any], steps: Iterable[StepSpec]) -> None:
    """Bootstrap steps become setup tasks before every other step; the teardown step a
    teardown task after all of them, which runs when a step fails while the run still fails."""
    steps = list(steps)
    setups = [op for s in steps if s.role == "setup" for op in _operators(tasks[s.name])]
    teardowns = [s for s in steps if s.role == "teardown"]
    main = [s for s in steps if s.role == "main"]
    for op in setups:
        op.as_setup()
    main_names = {s.name for s in main}
    for step in main:
        if not main_names & set(step.upstream):
            for op in setups:
                op >> tasks[step.name]
    for step in teardowns:
        for op in _operators(tasks[step.name]):
            for other in main:
                tasks[other.name] >> op
            op.as_teardown(setups=setups or None)


def steps_table(pipeline: Pipeline) -> str:
    """A Markdown table of every step: name, type (and role), upstream steps and the line of
    the YAML above where it is defined (its keys are there, not repeated in chips)."""
    rows = ["| step | type | upstream | line |", "|---|---|---|---|"]
    for step in pipeline.steps:
        kind = step.step_type if step.role == "main" else f"{step.step_type} ({step.role})"
        upstream = ", ".join(step.upstream) or "-"
        rows.append(f"| {step.name} | {kind} | {upstream} | {step.location.line or '-'} |")
    return "\n".join(rows)
