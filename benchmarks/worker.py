"""One measured job in a fresh process: ``python -m benchmarks.worker <job> '<json args>'``.

Prints one JSON line with the job's wall time and this process's peak RSS, so every figure is
measured the same way (a fresh interpreter, as Airflow's dag-processor and task runner use).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

JOBS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def job(name: str) -> Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Any]:
    def register(func: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
        JOBS[name] = func
        return func

    return register


def load_dag_file(path: str) -> dict[str, Any]:
    """Execute a DAG file as Airflow's dag-processor does (``SourceFileLoader`` under a unique
    module name, so a cached ``__pycache__`` bytecode is used); its module namespace."""
    import hashlib
    import importlib.machinery
    import importlib.util

    name = f"unusual_prefix_{hashlib.sha1(path.encode()).hexdigest()}_{Path(path).stem}"
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return vars(module)


def _rss_mb() -> float:
    """This process's resident memory now."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


class _GcTimer:
    """Time spent in the garbage collector (every generation) until ``stop``."""

    def __init__(self) -> None:
        import gc

        self.seconds, self.collections, self._started = 0.0, 0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1

    def stop(self) -> None:
        import gc

        gc.callbacks.remove(self._callback)


@job("parse")
def parse(args: dict[str, Any]) -> dict[str, Any]:
    """Execute one DAG file in a process like the one Airflow parses it in.

    Airflow forks that process (the supervisor's fork): from the dag-processor's manager to
    parse the DAG folder, from a worker's supervisor to run a task (``context: task``). So it
    has what its parent had imported, and the parent froze the garbage collector's objects
    before forking (``gc.freeze()`` in the dag-processor manager, the Celery and local
    executors): both are done here before the clock starts.

    ``profile``: ``pyinstrument`` or ``cprofile``, written to ``profile_out`` (``.txt``,
    ``.html`` and ``.pyisession`` / ``.pstats``); ``shape``: also return every DAG's
    description (benchmarks.shape).
    """
    import gc

    import airflow.sdk

    if args.get("context") == "task":
        import airflow.sdk.execution_time.supervisor
        import airflow.sdk.execution_time.task_runner
    else:
        import airflow.dag_processing.manager
        import airflow.dag_processing.processor  # noqa: F401
    gc.freeze()
    for path in args.get("sys_path", []):
        sys.path.insert(0, path)
    before = _rss_mb()
    profile = args.get("profile")
    profiler: Any = None
    if profile == "pyinstrument":
        from pyinstrument import Profiler

        # Wall-time samples (a CPU-time timer costs a system call per Python call): profile on
        # a quiet machine, where the header's Duration and CPU time agree.
        profiler = Profiler(interval=0.001)
        profiler.start()
    elif profile == "cprofile":
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
        profiler.enable()
    gc_time = _GcTimer()
    started, cpu = time.perf_counter(), time.process_time()
    namespace = load_dag_file(args["file"])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    gc_time.stop()
    if profile == "pyinstrument":
        profiler.stop()
        out = Path(args["profile_out"])
        out.with_suffix(".txt").write_text(profiler.output_text(unicode=False, show_all=False))
        out.with_suffix(".html").write_text(profiler.output_html())
        profiler.last_session.save(str(out.with_suffix(".pyisession")))
    elif profile == "cprofile":
        profiler.disable()
        profiler.dump_stats(str(Path(args["profile_out"]).with_suffix(".pstats")))
    from airflow.sdk import DAG

    result: dict[str, Any] = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "gc_seconds": gc_time.seconds,
        "gc_collections": gc_time.collections,
        "dags": sum(isinstance(v, DAG) for v in namespace.values()),
        "rss_before_mb": before,
    }
    if args.get("shape"):
        from benchmarks.shape import describe

        result["shape"] = describe(namespace)
    return result


def _warm_imports() -> None:
    """What a task process has loaded before ``execute``: the DAG file's imports and hooks."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from airflow.sdk import BaseHook

    import airflow_dataduct.factory.dag  # noqa: F401

    BaseHook.get_connection("bench_warehouse")  # secrets backends load once per task process
    PostgresHook(postgres_conn_id="bench_warehouse").get_conn().close()
    from airflow.sdk.lineage import get_hook_lineage_collector

    get_hook_lineage_collector()  # Airflow loads plugins for lineage on a hook's first query


def _table(sql: str) -> Any:
    from airflow_dataduct.tables.ddl import parse_table_sql

    return parse_table_sql(sql, "bench")


@job("transfer")
def transfer(args: dict[str, Any]) -> dict[str, Any]:
    """extract-rds -> local staging -> create-load-redshift, as the two tasks run them."""
    from airflow_dataduct.operators.extract_rds import ExtractRdsOperator
    from airflow_dataduct.operators.load import CreateLoadRedshiftOperator

    _warm_imports()
    started = time.perf_counter()
    extract = ExtractRdsOperator(
        task_id="extract",
        sql=args["sql"],
        source_conn_id=args.get("source_conn_id", "bench_source"),
        staging_location=args["staging"],
        staging_prefix="bench/run/extract",
    )
    staged = extract.execute({})
    extracted = time.perf_counter()
    load = CreateLoadRedshiftOperator(
        task_id="load",
        table=_table(args["table_sql"]),
        staging_location=args["staging"],
        staging_prefix="bench/run/extract",
        warehouse_conn_id="bench_warehouse",
    )
    load.prepare_sql(load.warehouse.dialect)
    loaded = load.execute({})
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "extract_seconds": extracted - started,
        "load_seconds": finished - extracted,
        "rows": loaded["rows"],
        "parts": staged["parts"],
    }


@job("generic_transfer")
def generic_transfer(args: dict[str, Any]) -> dict[str, Any]:
    """Airflow's GenericTransfer: get_records + insert_rows."""
    from airflow.providers.common.sql.operators.generic_transfer import GenericTransfer

    started = time.perf_counter()
    GenericTransfer(
        task_id="generic",
        sql=args["sql"],
        source_conn_id="bench_source",
        destination_conn_id="bench_warehouse",
        destination_table=args["table"],
        preoperator=f"TRUNCATE {args['table']}",
        insert_args={"commit_every": 10_000},
    ).execute({})
    return {"seconds": time.perf_counter() - started}


@job("upsert")
def upsert(args: dict[str, Any]) -> dict[str, Any]:
    """The upsert step's operator on the staged and destination tables."""
    from airflow_dataduct.operators.upsert import UpsertOperator
    from airflow_dataduct.sql.upsert import UpsertOptions

    _warm_imports()
    operator = UpsertOperator(
        task_id="upsert",
        source=_table(args["source_sql"]),
        destination=_table(args["destination_sql"]),
        options=UpsertOptions(),
        analyze_table=False,
        warehouse_conn_id="bench_warehouse",
    )
    operator.prepare_sql(operator.warehouse.dialect)
    started = time.perf_counter()
    result = operator.execute({})
    return {"seconds": time.perf_counter() - started, **result}


@job("sql")
def run_sql(args: dict[str, Any]) -> dict[str, Any]:
    """Hand-written SQL in one transaction (a baseline)."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(args["dsn"]) as conn:
        for statement in args["statements"]:
            conn.execute(statement)
    return {"seconds": time.perf_counter() - started}


@job("checks")
def checks(args: dict[str, Any]) -> dict[str, Any]:
    """primary-key-check and count-check operators, each executed once."""
    from airflow_dataduct.operators.checks import CountCheckOperator, PrimaryKeyCheckOperator

    _warm_imports()
    table = _table(args["table_sql"])
    pk = PrimaryKeyCheckOperator(
        task_id="pk", table=table, test_name="b.pk", warehouse_conn_id="bench_warehouse"
    )
    pk.prepare_sql(pk.warehouse.dialect)
    count = CountCheckOperator(
        task_id="count",
        source_conn_id="bench_source",
        source_count_sql=args["count_sql"],
        destination_count_sql=args["count_sql"],
        tolerance=0.0,
        test_name="b.count",
        warehouse_conn_id="bench_warehouse",
    )
    started = time.perf_counter()
    pk.execute({})
    middle = time.perf_counter()
    count.execute({})
    finished = time.perf_counter()
    return {
        "pk_seconds": middle - started,
        "count_seconds": finished - middle,
        "seconds": finished - started,
    }


@job("checks_bare")
def checks_bare(args: dict[str, Any]) -> dict[str, Any]:
    """The bare SQL the two checks need, on plain psycopg connections."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(args["warehouse_dsn"]) as conn:
        conn.execute(args["pk_sql"]).fetchall()
    middle = time.perf_counter()
    with psycopg.connect(args["source_dsn"]) as src, psycopg.connect(args["warehouse_dsn"]) as dst:
        src.execute(args["count_sql"]).fetchone()
        dst.execute(args["count_sql"]).fetchone()
    finished = time.perf_counter()
    return {
        "pk_seconds": middle - started,
        "count_seconds": finished - middle,
        "seconds": finished - started,
    }


def main() -> None:
    name, raw = sys.argv[1], sys.argv[2]
    result = JOBS[name](json.loads(raw))
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("BENCH_RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
