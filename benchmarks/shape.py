"""What a DAG is, for comparing ours with a baseline: tasks, edges, schedule, retries,
callbacks and outlets, as plain JSON-able data.

``describe`` runs where the DAGs were built (a worker process, or a test); ``compare`` needs no
Airflow, so the benchmark's parent process compares the descriptions its workers print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

TASK_FIELDS = (
    "upstream",
    "retries",
    "retry_delay",
    "execution_timeout",
    "failure_callback",
    "outlets",
    "setup",
    "teardown",
)
DAG_FIELDS = ("schedule", "start_date", "catchup", "max_active_runs")

PLAIN_FIELDS = (TASK_FIELDS, DAG_FIELDS)
"""The plain-Python baseline builds the same DAGs in every respect compared here."""
DAG_FACTORY_FIELDS = (tuple(f for f in TASK_FIELDS if f not in ("setup", "teardown")), DAG_FIELDS)
"""dag-factory's YAML cannot mark setup/teardown tasks (it keys tasks by id, and has no
``as_teardown``); everything else is the same."""


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value.total_seconds())


def _timetable(timetable: Any) -> str:
    kind = type(timetable).__name__
    serialize = getattr(timetable, "serialize", None)
    return f"{kind} {sorted(serialize().items())}" if serialize else kind


def describe_dag(dag: Any) -> dict[str, Any]:
    """One DAG's comparable facts."""
    tasks = {}
    for task in dag.tasks:
        tasks[task.task_id] = {
            "upstream": sorted(task.upstream_task_ids),
            "retries": task.retries,
            "retry_delay": _seconds(task.retry_delay),
            "execution_timeout": _seconds(task.execution_timeout),
            "failure_callback": bool(task.on_failure_callback),
            "outlets": sorted(f"{a.name} {a.uri}" for a in task.outlets),
            "setup": bool(task.is_setup),
            "teardown": bool(task.is_teardown),
        }
    return {
        "schedule": _timetable(dag.timetable),
        "start_date": dag.start_date.isoformat() if dag.start_date else None,
        "catchup": bool(dag.catchup),
        "max_active_runs": dag.max_active_runs,
        "tasks": tasks,
    }


def describe(namespace: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Every DAG a DAG file defined (its module namespace), by dag_id."""
    from airflow.sdk import DAG

    return {v.dag_id: describe_dag(v) for v in namespace.values() if isinstance(v, DAG)}


def compare(
    ours: Mapping[str, Any],
    theirs: Mapping[str, Any],
    baseline: str,
    fields: tuple[Iterable[str], Iterable[str]] = PLAIN_FIELDS,
) -> list[str]:
    """Every difference between our DAGs and a baseline's, one line each (none: the same)."""
    task_fields, dag_fields = (tuple(f) for f in fields)
    problems = []
    for dag_id in sorted(set(ours) | set(theirs)):
        if dag_id not in theirs or dag_id not in ours:
            where = baseline if dag_id not in ours else "ours"
            problems.append(f"{dag_id}: only in {where}")
            continue
        a, b = ours[dag_id], theirs[dag_id]
        problems += [
            f"{dag_id}: {key} is {a[key]!r} in ours, {b[key]!r} in {baseline}"
            for key in dag_fields
            if a[key] != b[key]
        ]
        for task_id in sorted(set(a["tasks"]) | set(b["tasks"])):
            if task_id not in a["tasks"] or task_id not in b["tasks"]:
                where = baseline if task_id not in a["tasks"] else "ours"
                problems.append(f"{dag_id}.{task_id}: task only in {where}")
                continue
            x, y = a["tasks"][task_id], b["tasks"][task_id]
            problems += [
                f"{dag_id}.{task_id}: {key} is {x[key]!r} in ours, {y[key]!r} in {baseline}"
                for key in task_fields
                if x[key] != y[key]
            ]
    return problems
