"""``airflow-dataduct render | graph | new`` and validate's JSON output: the pull-request
workflow, without a running Airflow or any database."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import graphlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.sql.identifiers import Dialect

PIPELINE_COMMANDS = ("render", "graph", "new")
DEFAULT_DEFINITIONS = "dag_definitions"


def errors_json(valid: int, errors: Sequence[DefinitionError]) -> str:
    """validate's result as JSON: counts and one object per error."""
    return json.dumps(
        {
            "valid_pipelines": valid,
            "error_count": len(errors),
            "errors": [
                {
                    "path": e.location.path,
                    "line": e.location.line,
                    "column": e.location.column,
                    "key": e.key,
                    "message": e.message,
                }
                for e in errors
            ],
        },
        indent=2,
    )


def add_pipeline_parsers(commands: Any) -> None:
    """Register ``render``, ``graph`` and ``new`` on the CLI's subparsers."""
    render = commands.add_parser("render", help="print the SQL and commands each task will run")
    _pipeline_arguments(render)
    render.add_argument("--date", type=dt.date.fromisoformat, help="run date (YYYY-MM-DD)")
    render.add_argument(
        "--dialect", choices=("postgres", "redshift"), default="redshift", help="warehouse SQL"
    )
    render.set_defaults(handler=render_command)
    graph = commands.add_parser("graph", help="print the task graph (text, Mermaid or SVG)")
    _pipeline_arguments(graph)
    graph.add_argument("--format", choices=("text", "mermaid", "svg"), default="text")
    graph.set_defaults(handler=graph_command)
    new = commands.add_parser("new", help="write a commented starter pipeline")
    new.add_argument("name", help="pipeline name (letters, digits, '_', '-', '.')")
    new.add_argument("--definitions", default=DEFAULT_DEFINITIONS, help="definitions folder")
    new.set_defaults(handler=new_command)


def _pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pipeline", help="a pipeline name or its YAML file")
    parser.add_argument("--definitions", default=DEFAULT_DEFINITIONS, help="definitions folder")


def load_pipeline_dag(pipeline: str, definitions: str) -> tuple[Any, Any]:
    """(Pipeline, DAG) of a pipeline name or file; DefinitionErrors when it is broken."""
    # deferred: CLI start-up time
    from airflow_dataduct.factory.dag import build_dag

    # deferred: CLI start-up time
    from airflow_dataduct.factory.definitions import open_definitions

    # deferred: CLI start-up time
    from airflow_dataduct.factory.loader import scan

    # deferred: CLI start-up time
    from airflow_dataduct.model.pipeline import read_pipeline

    path = Path(pipeline)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        config = open_definitions(path.parent)
        model = read_pipeline(path, config)
    else:
        result = scan(definitions)
        found = [p for p in result.pipelines if pipeline in (p.name, p.dag_id)]
        if not found:
            broken = [e for e in result.errors if Path(e.location.path).stem == pipeline]
            if broken:
                raise DefinitionErrors(broken)
            raise DefinitionErrors(
                [DefinitionError(f"no pipeline named '{pipeline}'", _location(definitions))]
            )
        model, config = found[0], result.config
    return model, build_dag(model, config)


def _location(path: str) -> Any:

    return Location(path)


def render_context(dag: Any, task: Any, day: dt.date | None) -> dict[str, Any]:
    """The template context of the run whose data interval starts on ``day`` at the load time
    (Dataduct's ``@scheduledStartTime``), built without a metadata database."""
    # deferred: CLI start-up time
    from airflow.timetables.base import TimeRestriction

    start = dag.start_date
    if day is not None:
        start = start.replace(year=day.year, month=day.month, day=day.day)
    restriction = TimeRestriction(earliest=start, latest=None, catchup=True)
    info = None
    try:
        info = dag.timetable.next_dagrun_info(
            last_automated_data_interval=None, restriction=restriction
        )
    except (AttributeError, NotImplementedError):
        info = None
    interval_start = info.data_interval.start if info else start
    interval_end = info.data_interval.end if info else start
    run_id = f"scheduled__{interval_start.isoformat()}"
    return {
        "dag": dag,
        "task": task,
        "params": dict(dag.params or {}),
        "run_id": run_id,
        "ds": interval_start.strftime("%Y-%m-%d"),
        "ds_nodash": interval_start.strftime("%Y%m%d"),
        "ts": interval_start.isoformat(),
        "ts_nodash": interval_start.strftime("%Y%m%dT%H%M%S"),
        "logical_date": interval_start,
        "data_interval_start": interval_start,
        "data_interval_end": interval_end,
        "run_after": interval_end,
    }


def rendered_fields(dag: Any, task: Any, dialect: str, day: dt.date | None) -> dict[str, Any]:
    """The task's templated fields, prepared for ``dialect`` and rendered for ``day``."""

    if hasattr(task, "prepare_sql"):
        task.prepare_sql(Dialect(dialect))
    context = render_context(dag, task, day)
    env = dag.get_template_env()
    return {
        name: task.render_template(getattr(task, name), context, env)
        for name in task.template_fields
    }


def _show(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ";\n".join(_show(v) for v in value) + (";" if value else "")
    if isinstance(value, dict):
        return json.dumps(value, indent=2, default=str)
    return str(value)


def render_command(args: argparse.Namespace) -> int:
    try:
        _, dag = load_pipeline_dag(args.pipeline, args.definitions)
    except DefinitionErrors as exc:
        print(exc)
        return 1
    for task in ordered_tasks(dag):
        print(f"== {task.task_id} ({type(task).__name__})")
        for name, value in rendered_fields(dag, task, args.dialect, args.date).items():
            if value in (None, "", [], ()):
                continue
            print(f"-- {name}")
            print(_show(value))
        print()
    return 0


def ordered_tasks(dag: Any) -> list[Any]:
    """The DAG's tasks, upstream before downstream, ties in definition order."""

    order = {task_id: i for i, task_id in enumerate(dag.task_dict)}
    sorter = graphlib.TopologicalSorter(
        {t.task_id: t.upstream_task_ids for t in dag.task_dict.values()}
    )
    sorter.prepare()
    result = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=order.__getitem__)
        result += ready
        sorter.done(*ready)
    return [dag.task_dict[t] for t in result]


def _role(task: Any) -> str:
    if getattr(task, "is_setup", False):
        return " (setup)"
    if getattr(task, "is_teardown", False):
        return " (teardown)"
    return ""


def graph_text(dag: Any) -> str:
    """One line per task: ``task [Operator] -> downstream, ...``."""
    lines = []
    for task in ordered_tasks(dag):
        downstream = ", ".join(sorted(task.downstream_task_ids)) or "(end)"
        lines.append(f"{task.task_id} [{type(task).__name__}]{_role(task)} -> {downstream}")
    return "\n".join(lines)


def _node(task_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", task_id)


def graph_mermaid(dag: Any) -> str:
    """A Mermaid flowchart; task groups become subgraphs."""
    lines = ["flowchart LR"]
    groups: dict[str | None, list[Any]] = {}
    for task in ordered_tasks(dag):
        group = task.task_group.group_id if task.task_group else None
        groups.setdefault(group, []).append(task)
    for group, tasks in groups.items():
        indent = "    " if group else "  "
        if group:
            lines.append(f"  subgraph {_node(group)}[{group}]")
        for task in tasks:
            label = f"{task.task_id}<br/><small>{type(task).__name__}{_role(task)}</small>"
            lines.append(f'{indent}{_node(task.task_id)}["{label}"]')
        if group:
            lines.append("  end")
    for task in ordered_tasks(dag):
        for downstream in sorted(task.downstream_task_ids):
            lines.append(f"  {_node(task.task_id)} --> {_node(downstream)}")
    return "\n".join(lines)


def svg(graph: Any) -> str:
    """A graphviz graph drawn as SVG by Graphviz's ``dot``; RuntimeError when it is missing."""
    import graphviz  # deferred: CLI start-up time

    try:
        return graph.pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            "SVG needs Graphviz's `dot` program (Debian: apt-get install graphviz; "
            "`make install` does it)"
        ) from None


def graph_dot(dag: Any) -> Any:
    """The task graph as a graphviz Digraph: task groups as clusters, setup/teardown marked."""
    import graphviz  # deferred: CLI start-up time

    graph = graphviz.Digraph(
        name=dag.dag_id,
        graph_attr={"rankdir": "LR", "label": dag.dag_id, "fontname": "Helvetica"},
        node_attr={"shape": "box", "style": "rounded", "fontname": "Helvetica"},
        edge_attr={"fontname": "Helvetica"},
    )
    groups: dict[str | None, list[Any]] = {}
    for task in ordered_tasks(dag):
        group = task.task_group.group_id if task.task_group else None
        groups.setdefault(group, []).append(task)
    for group, tasks in groups.items():
        target = graph.subgraph(name=f"cluster_{group}") if group else None
        with target if target is not None else contextlib.nullcontext(graph) as holder:
            if group:
                holder.attr(label=group, style="dashed")
            for task in tasks:
                label = f"{task.task_id}\n{type(task).__name__}{_role(task)}"
                holder.node(task.task_id, label=label)
    for task in ordered_tasks(dag):
        for downstream in sorted(task.downstream_task_ids):
            graph.edge(task.task_id, downstream)
    return graph


def graph_command(args: argparse.Namespace) -> int:
    try:
        _, dag = load_pipeline_dag(args.pipeline, args.definitions)
    except DefinitionErrors as exc:
        print(exc)
        return 1
    if args.format == "svg":
        try:
            print(svg(graph_dot(dag)), end="")
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    print(graph_mermaid(dag) if args.format == "mermaid" else graph_text(dag))
    return 0


STARTER = """\
# {name}: a Dataduct pipeline (one Airflow DAG). Check it with `airflow-dataduct validate`,
# see its tasks with `airflow-dataduct graph {name}` and their SQL with `airflow-dataduct render`.
name: {name}
frequency: daily          # one-time, hourly, N-hours, daily, N-days, weekly, 2-weeks (UTC)
load_time: "02:00"        # time of day, UTC; runs cover [load_time, next load_time)
description: TODO describe what this pipeline loads
# max_retries: 1          # retries of every step (a step's own max_retries wins)
# topic_arn: arn:aws:sns:us-east-1:123456789012:etl-failures   # failure alerts
# schedule_on_tables: [prod.users]   # run when another pipeline has written these tables

steps:
# Extract: a query on a source host (an alias from dataduct.yaml's `hosts`) to staged files.
-   step_type: extract-rds
    host_name: {host}
    sql: SELECT id, name FROM {name}

# Load: create the table if missing, then replace its rows with the extract's, atomically.
-   step_type: create-load-redshift
    name: load_{node}
    table_definition: tables/staging.{node}.sql

# QA: fails the run (or warns, with `qa.on_failure: warn`) when the counts differ by > 1%.
-   step_type: count-check
    depends_on: load_{node}
    source_host: {host}
    source_sql: SELECT id FROM {name}
    destination_table_name: staging.{node}
    tolerance: 1.0
"""

STARTER_TABLE = """\
-- The warehouse table of the {name} pipeline (Redshift DDL; a PRIMARY KEY enables upserts).
CREATE TABLE staging.{node} (
    id BIGINT NOT NULL,
    name VARCHAR(256),
    PRIMARY KEY (id)
);
"""


def new_command(args: argparse.Namespace) -> int:
    # deferred: CLI start-up time
    from airflow_dataduct.factory.definitions import open_definitions

    name = args.name
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,200}", name):
        print(f"invalid pipeline name '{name}': use letters, digits, '_', '-' or '.'")
        return 2
    folder = Path(args.definitions)
    target = folder / f"{name}.yaml"
    if target.exists():
        print(f"{target} exists; not overwritten")
        return 1
    try:
        hosts = sorted(open_definitions(folder).hosts)
    except DefinitionErrors as exc:
        print(exc)
        return 1
    base = open_definitions(folder).base_dir
    node = re.sub(r"\W", "_", name).lower()
    values = {"name": name, "node": node, "host": hosts[0] if hosts else "my_host"}
    folder.mkdir(parents=True, exist_ok=True)
    target.write_text(STARTER.format(**values), encoding="utf-8")
    table = base / "tables" / f"staging.{node}.sql"
    if not table.exists():
        table.parent.mkdir(parents=True, exist_ok=True)
        table.write_text(STARTER_TABLE.format(**values), encoding="utf-8")
        print(f"wrote {table}")
    print(f"wrote {target}")
    if not hosts:
        print("add a host alias 'my_host' to dataduct.yaml's hosts, or change host_name")
    return 0
