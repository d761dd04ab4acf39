"""Benchmarks: ``python -m benchmarks [--quick] [--only parse,transfer,mysql,upsert,checks]``.

Each figure is measured in a fresh process, beside its baselines measured in the same run on
the same machine, and printed as a table with the ratio and the peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.generate import (
    TABLE,
    corpus,
    write_dag_factory,
    write_dataduct,
    write_plain_python,
)
from benchmarks.shape import DAG_FACTORY_FIELDS, compare
from devstack import mariadb
from devstack.postgres import PostgresServer, create_database, find_bindir, start_postgres

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".local" / "bench"
LOADER = ROOT / "dags" / "dataduct_pipelines.py"
ERRORS = ROOT / "dags" / "dataduct_definition_errors.py"
DAG_FACTORY = "dag-factory==1.1.0"
CHECK_REPEATS = 7
"""Runs of each QA check benchmark: their medians are compared."""


@dataclass
class Row:
    """One line of the results table."""

    benchmark: str
    measure: str
    ours: float
    baseline: str
    theirs: float
    unit: str
    peak_mb: float | None = None
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs if self.theirs else float("inf")


def run_job(job: str, args: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Run one worker job in a fresh interpreter; its JSON result."""
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.worker", job, json.dumps(args)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if result.returncode or line is None:
        raise RuntimeError(f"{job} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return json.loads(line.removeprefix("BENCH_RESULT "))


def paired_medians(
    ours: tuple[str, dict[str, Any]],
    theirs: tuple[str, dict[str, Any]],
    env: dict[str, str],
    repeat: int,
    keys: tuple[str, ...],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two jobs run alternately ``repeat`` times each, so both see the same machine and
    database state; the median of each of ``keys`` per job (for figures of milliseconds, where
    one run is mostly noise), with the last run's other fields."""
    runs: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
    for _ in range(repeat):
        for (job, args), results in zip((ours, theirs), runs, strict=True):
            results.append(run_job(job, args, env))
    return tuple(  # type: ignore[return-value]
        {**r[-1], **{key: statistics.median(run[key] for run in r) for key in keys}} for r in runs
    )


def base_env(server: PostgresServer) -> dict[str, str]:
    return {
        **os.environ,
        "AIRFLOW_HOME": str(WORK / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW_CONN_BENCH_SOURCE": server.dsn("bench_source"),
        "AIRFLOW_CONN_BENCH_WAREHOUSE": server.dsn("bench_warehouse"),
        "PYTHONPATH": str(ROOT),
        "DO_NOT_TRACK": "1",  # dag-factory's telemetry (only its run listener sends any)
    }


def dag_factory_path() -> Path:
    """dag-factory installed apart from the project (``--no-deps`` into a private folder)."""
    target = WORK / "deps"
    if not (target / "dagfactory").exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(target),
                DAG_FACTORY,
            ],
            check=True,
        )
    return target


def _compile(*paths: Path) -> None:
    """Write the bytecode of the DAG files and the package, as the dag-processor finds it after
    its first parse of a file (and as pip leaves an installed package): this machine sets
    PYTHONDONTWRITEBYTECODE, so without this every run would compile them again."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *map(str, paths)], check=True)


def _edit(path: Path) -> None:
    """Append a comment to a definition file. A table file: every cache entry of the folder
    misses once (each is keyed by a fingerprint of the folder's other files, cache.py); a
    pipeline file: that pipeline's entry only."""
    comment = "--" if path.suffix == ".sql" else "#"
    with path.open("a") as handle:
        handle.write(f"{comment} edited {time.time_ns()}\n")


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time, with the median CPU time of all the runs."""
    middle = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    return {**middle, "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs)}


def check_shapes(
    ours: dict[str, Any], plain: dict[str, Any], factory: dict[str, Any], count: int
) -> int:
    """Fail unless the three build the same DAGs (benchmarks.shape); the number of tasks."""
    problems = compare(ours, plain, "plain Python")
    problems += compare(ours, factory, "dag-factory", DAG_FACTORY_FIELDS)
    if problems:
        shown = "\n".join(problems[:30])
        raise AssertionError(f"{len(problems)} difference(s) between the DAGs:\n{shown}")
    assert len(ours) == count, f"ours built {len(ours)} DAGs, not {count}"
    return sum(len(dag["tasks"]) for dag in ours.values())


def bench_parse(env: dict[str, str], count: int, repeat: int, profile: bool = False) -> list[Row]:
    """Full parse of the ``count``-pipeline corpus three ways, the task-start parse of one
    pipeline, the error-report file, and the parse processes' peak memory."""
    folder = WORK / "parse"
    shutil.rmtree(folder, ignore_errors=True)
    plan = corpus(count)
    write_dataduct(folder / "dataduct", plan)
    write_plain_python(folder / "plain.py", plan)
    write_dag_factory(folder / "dagfactory", folder / "dagfactory_loader.py", plan)
    ours_env = {
        **env,
        "DATADUCT_DEFINITIONS_DIR": str(folder / "dataduct"),
        "DATADUCT_CACHE_DIR": str(folder / "cache"),
    }
    _compile(ROOT / "airflow_dataduct", ROOT / "dags", *folder.glob("*.py"))
    loader = {"file": str(LOADER)}
    plain_job = {"file": str(folder / "plain.py")}
    factory_job = {
        "file": str(folder / "dagfactory_loader.py"),
        "sys_path": [str(dag_factory_path()), str(folder)],
    }
    # The same DAGs three ways, checked first (the first parse of ours, which fills the cache).
    tasks = check_shapes(
        *(
            run_job("parse", {**job, "shape": True}, job_env)["shape"]
            for job, job_env in ((loader, ours_env), (plain_job, env), (factory_job, env))
        ),
        count,
    )
    table = folder / "dataduct" / "tables" / "shared" / "prod.dim_accounts.sql"
    pipeline = folder / "dataduct" / f"{plan.pipelines[-1].name}.yaml"
    one_env = {**ours_env, "_AIRFLOW_PARSING_CONTEXT_DAG_ID": plan.pipelines[count // 2].name}
    task_start = {**loader, "context": "task"}
    errors = {"file": str(ERRORS)}
    imports_job = {"file": str(folder / "plain_imports.py")}
    # Rounds of every measurement in turn, so ours and the baselines see the same machine (it
    # is shared); each "after an edit" run follows its own edit.
    rounds: dict[str, list[dict[str, Any]]] = {}
    for _ in range(repeat):
        for name, job, job_env, edit in (
            ("cold", loader, ours_env, table),
            ("one_miss", loader, ours_env, pipeline),
            ("ours", loader, ours_env, None),
            ("errors_warm", errors, ours_env, None),
            ("one", task_start, one_env, None),
            ("plain", plain_job, env, None),
            ("imports", imports_job, env, None),
            ("factory", factory_job, env, None),
            ("errors_cold", errors, ours_env, table),
            ("one_cold", task_start, one_env, table),
        ):
            if edit is not None:
                _edit(edit)
            rounds.setdefault(name, []).append(run_job("parse", job, job_env))
    runs = {name: _median(results) for name, results in rounds.items()}
    cold, one_miss, ours, errors_warm, one = (
        runs[k] for k in ("cold", "one_miss", "ours", "errors_warm", "one")
    )
    plain, imports, factory, errors_cold, one_cold = (
        runs[k] for k in ("plain", "imports", "factory", "errors_cold", "one_cold")
    )
    for name, result in (("ours", ours), ("cold", cold), ("one miss", one_miss), ("plain", plain)):
        assert result["dags"] == count, f"{name} built {result['dags']} DAGs, not {count}"
    assert factory["dags"] == count, f"dag-factory built {factory['dags']} DAGs, not {count}"
    assert one["dags"] == one_cold["dags"] == 1
    assert errors_warm["dags"] == errors_cold["dags"] == 0
    if profile:
        profile_parse(loader, ours_env, one_env, count, table)
    title = f"parse {count:,} pipelines ({tasks:,} tasks)"
    ours_rise = ours["peak_rss_mb"] - ours["rss_before_mb"]
    plain_rise = plain["peak_rss_mb"] - plain["rss_before_mb"]
    print(
        f"parse {count}: peak RSS above Airflow's import: ours {ours_rise:.0f} MB, "
        f"plain {plain_rise:.0f} MB ({ours_rise / plain_rise:.2f}x); "
        f"Airflow imported: {ours['rss_before_mb']:.0f} MB; plain Python's imports alone "
        f"(its file's header): {imports['seconds']:.3f} s, CPU {imports['cpu_seconds']:.3f} s"
    )

    n = f"{count:,}"
    timed = [
        (f"{title}, warm cache", ours, "plain Python", plain, "<= 1.5x"),
        (f"{title}, warm cache", ours, "dag-factory 1.1", factory, "<= 0.5x"),
        (f"{title}, cold (first parse after a table file edit)", cold, "plain Python", plain,
         "<= 2.5x"),
        (f"{title}, first parse after a pipeline file edit", one_miss, "plain Python", plain, ""),
        (f"task-start parse (one dag_id of {n})", one, "our full parse, warm", ours, "<= 0.1x"),
        (f"task-start parse (one dag_id of {n}) after an edit", one_cold,
         "our full parse, cold", cold, "<= 0.1x"),
        (f"error-report file, no definition changed ({n})", errors_warm, "loader file, warm",
         ours, "<= 0.05x"),
        (f"error-report file, first parse after a table edit ({n})", errors_cold,
         "loader file, cold", cold, ""),
    ]  # fmt: skip
    rows = [
        Row(name, "s", mine["seconds"], baseline, theirs["seconds"], "s", mine["peak_rss_mb"], aim)
        for name, mine, baseline, theirs, aim in timed
    ]
    rows += [
        Row(f"dag-processor peak memory, {n} pipelines ({which})", "MB", mine["peak_rss_mb"],
            "plain Python", plain["peak_rss_mb"], "MB", mine["peak_rss_mb"], aim)
        for which, mine, aim in (("warm", ours, "<= 1.5x"), ("cold", cold, ""))
    ]  # fmt: skip
    rows += [
        Row(f"CPU time: {name}", "s", mine["cpu_seconds"], baseline, theirs["cpu_seconds"], "s",
            None, aim)
        for name, mine, baseline, theirs, aim in timed
    ]  # fmt: skip
    return rows


def profile_parse(
    loader: dict[str, Any], env: dict[str, str], one_env: dict[str, str], count: int, table: Path
) -> None:
    """Profiles of our parse after a table edit (cold), our warm parse and the task-start parse,
    under ``.local/bench/profile``: pyinstrument (``.txt``, ``.html``) when installed, and
    cProfile (``.pstats``)."""
    out = WORK / "profile"
    out.mkdir(parents=True, exist_ok=True)
    try:
        import pyinstrument  # noqa: F401

        tools = ["pyinstrument", "cprofile"]
    except ImportError:
        print("pyinstrument is not installed (constraints.txt pins it): cProfile only")
        tools = ["cprofile"]
    for name, job, job_env, edit in (
        (f"cold-{count}", loader, env, table),
        (f"warm-{count}", loader, env, None),  # the cold runs filled the cache
        (f"task-start-{count}", {**loader, "context": "task"}, one_env, None),
    ):
        for tool in tools:
            if edit is not None:
                _edit(edit)
            target = out / f"{name}-{tool}"
            run_job("parse", {**job, "profile": tool, "profile_out": str(target)}, job_env)
            print(f"profile: {target}.*")


def sql(server: PostgresServer, db: str, *statements: str) -> None:
    with psycopg.connect(server.dsn(db), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


SOURCE_TABLE = (
    "CREATE TABLE {name} AS SELECT g::bigint AS id, 'user ' || g AS name, "
    "'user' || g || '@example.com' AS email, "
    "timestamp '2020-01-01' + g * interval '1 second' AS created, "
    "(g % 100000)::numeric(12,2) / 7 AS amount FROM generate_series(1, {rows}) AS g"
)
TRANSFER_DDL = (
    "CREATE TABLE staging.transfer (id BIGINT, name VARCHAR(64), email VARCHAR(64), "
    "created TIMESTAMP, amount DECIMAL(12,2));"
)


def psql_pipe(server: PostgresServer, query: str, table: str) -> float:
    """``psql COPY TO STDOUT | psql COPY FROM STDIN``: the practical limit."""
    psql = str(find_bindir() / "psql")
    out = f'{psql} "{server.dsn("bench_source")}" -c "COPY ({query}) TO STDOUT"'
    into = f'{psql} "{server.dsn("bench_warehouse")}" -c "COPY {table} FROM STDIN"'
    started = time.perf_counter()
    subprocess.run(f"{out} | {into}", shell=True, check=True, capture_output=True)
    return time.perf_counter() - started


def bench_transfer(
    server: PostgresServer, env: dict[str, str], rows: int, generic_rows: int
) -> list[Row]:
    """5 columns PostgreSQL -> staging -> PostgreSQL, against the psql pipe and GenericTransfer."""
    sql(
        server,
        "bench_source",
        "DROP TABLE IF EXISTS transfer",
        SOURCE_TABLE.format(name="transfer", rows=rows),
    )
    sql(
        server,
        "bench_warehouse",
        "CREATE SCHEMA IF NOT EXISTS staging",
        "DROP TABLE IF EXISTS staging.transfer",
        "DROP TABLE IF EXISTS staging.pipe",
        "DROP TABLE IF EXISTS staging.generic",
        TRANSFER_DDL.rstrip(";"),
        "CREATE TABLE staging.pipe (LIKE staging.transfer)",
        "CREATE TABLE staging.generic (LIKE staging.transfer)",
    )
    staging = WORK / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    job = {"table_sql": TRANSFER_DDL, "staging": str(staging)}
    small_rows = min(rows, 1_000_000)
    small = run_job(
        "transfer", {**job, "sql": f"SELECT * FROM transfer WHERE id <= {small_rows}"}, env
    )
    ours = run_job("transfer", {**job, "sql": "SELECT * FROM transfer"}, env)
    pipe = psql_pipe(server, "SELECT * FROM transfer", "staging.pipe")
    generic = run_job(
        "generic_transfer",
        {"sql": f"SELECT * FROM transfer WHERE id <= {generic_rows}", "table": "staging.generic"},
        env,
    )
    assert ours["rows"] == rows and small["rows"] == small_rows
    ours_rate = rows / ours["seconds"]
    title = f"transfer {rows:,} rows (extract-rds + create-load-redshift)"
    return [
        Row(
            title,
            "rows/s",
            ours_rate,
            "psql COPY pipe",
            rows / pipe,
            "rows/s",
            ours["peak_rss_mb"],
            ">= 0.7x",
        ),
        Row(
            title,
            "rows/s",
            ours_rate,
            f"GenericTransfer ({generic_rows:,} rows)",
            generic_rows / generic["seconds"],
            "rows/s",
            generic["peak_rss_mb"],
            ">= 10x",
        ),
        Row(
            "transfer peak memory",
            f"task process at {rows:,} rows, MB",
            ours["peak_rss_mb"],
            f"same at {small_rows:,} rows",
            small["peak_rss_mb"],
            "MB",
            ours["peak_rss_mb"],
            "<= 250 MB, flat",
        ),
    ]


MYSQL_SOURCE_TABLE = (
    "CREATE TABLE transfer (id BIGINT, name VARCHAR(64), email VARCHAR(64), created DATETIME, "
    "amount DECIMAL(12,2)) ENGINE=InnoDB"
)
MYSQL_FILL = (
    "INSERT INTO transfer SELECT seq, CONCAT('user ', seq), CONCAT('user', seq, '@example.com'), "
    "TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND, (seq % 100000) / 7 "
    "FROM seq_1_to_{rows}"
)


def mysql_pipe(server: mariadb.MariaDbServer, query: str, pg: PostgresServer, table: str) -> float:
    """``mariadb --batch --quick -e query | psql COPY FROM STDIN``: the MySQL client's stream
    (``--batch`` escapes as COPY text does; the benchmark's rows hold no NULL)."""
    client = " ".join(mariadb.root_client_command(server, "bench_source"))
    psql = str(find_bindir() / "psql")
    out = f'{client} --quick -e "{query}"'
    into = f'{psql} "{pg.dsn("bench_warehouse")}" -c "COPY {table} FROM STDIN"'
    started = time.perf_counter()
    subprocess.run(f"{out} | {into}", shell=True, check=True, capture_output=True)
    return time.perf_counter() - started


def bench_transfer_mysql(
    pg: PostgresServer, env: dict[str, str], rows: int, repeat: int
) -> list[Row]:
    """The same 5 columns from MariaDB -> staging -> PostgreSQL against the client pipe (the
    medians of ``repeat`` alternating runs of each); and the task's peak memory at ``rows``
    against 3 x ``rows``."""
    if not mariadb.mariadb_available():
        print("MariaDB is not installed (make install): no MySQL transfer row")
        return []
    server = mariadb.start_mariadb(WORK / "mariadb")
    mariadb.create_database(server, "bench_source")
    large = MYSQL_SOURCE_TABLE.replace("transfer", "transfer_large")
    mariadb.run_sql(
        server,
        f"DROP TABLE IF EXISTS transfer; {MYSQL_SOURCE_TABLE}; {MYSQL_FILL.format(rows=rows)};"
        f"DROP TABLE IF EXISTS transfer_large; {large}; "
        f"{MYSQL_FILL.format(rows=3 * rows).replace('transfer', 'transfer_large')};",
        database="bench_source",
    )
    sql(
        pg,
        "bench_warehouse",
        "CREATE SCHEMA IF NOT EXISTS staging",
        "DROP TABLE IF EXISTS staging.mysql_pipe",
        "DROP TABLE IF EXISTS staging.transfer",
        TRANSFER_DDL.rstrip(";"),
        "CREATE TABLE staging.mysql_pipe (LIKE staging.transfer)",
    )
    staging = WORK / "staging"
    job = {"table_sql": TRANSFER_DDL, "staging": str(staging), "source_conn_id": "bench_mysql"}
    env = {**env, "AIRFLOW_CONN_BENCH_MYSQL": server.uri("bench_source")}
    runs: list[dict[str, Any]] = []
    pipes: list[float] = []
    for _ in range(repeat):  # alternating, so both see the same machine
        shutil.rmtree(staging, ignore_errors=True)
        runs.append(run_job("transfer", {**job, "sql": "SELECT * FROM transfer"}, env))
        sql(pg, "bench_warehouse", "TRUNCATE staging.mysql_pipe")
        pipes.append(mysql_pipe(server, "SELECT * FROM transfer", pg, "staging.mysql_pipe"))
    assert all(run["rows"] == rows for run in runs)
    ours = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]
    pipe = statistics.median(pipes)
    shutil.rmtree(staging, ignore_errors=True)
    bigger = run_job("transfer", {**job, "sql": "SELECT * FROM transfer_large"}, env)
    assert bigger["rows"] == 3 * rows
    for run, piped in zip(runs, pipes, strict=True):
        print(
            f"MariaDB transfer of {rows:,} rows: ours {run['seconds']:.2f} s (extract "
            f"{run['extract_seconds']:.2f} s + load {run['load_seconds']:.2f} s), "
            f"client pipe {piped:.2f} s"
        )
    return [
        Row(
            f"transfer {rows:,} rows from MariaDB (extract-rds + create-load-redshift)",
            "rows/s",
            rows / ours["seconds"],
            "mariadb client piped into psql COPY",
            rows / pipe,
            "rows/s",
            ours["peak_rss_mb"],
            ">= 0.6x",
        ),
        Row(
            "MariaDB transfer peak memory",
            f"task process at {3 * rows:,} rows, MB",
            bigger["peak_rss_mb"],
            f"same at {rows:,} rows",
            ours["peak_rss_mb"],
            "MB",
            bigger["peak_rss_mb"],
            "flat",
        ),
    ]


UPSERT_COLUMNS = "id, account_id, label, amount, updated_at"


def bench_upsert(
    server: PostgresServer, env: dict[str, str], target_rows: int, staged_rows: int
) -> list[Row]:
    """1 M staged rows (30% updates, 70% inserts, duplicates) into a 10 M row table."""
    updates = staged_rows * 3 // 10
    first, last = target_rows - updates + 1, target_rows + staged_rows - updates
    fill = (
        "SELECT g::bigint AS id, (g % 1000)::bigint AS account_id, 'label ' || g AS label, "
        "(g % 997)::numeric(12,2) AS amount, timestamp '2024-01-01' + g * interval '1 minute' "
        "AS updated_at FROM generate_series({start}, {stop}) AS g"
    )
    sql(
        server,
        "bench_warehouse",
        "CREATE SCHEMA IF NOT EXISTS prod",
        "CREATE SCHEMA IF NOT EXISTS staging",
        "DROP TABLE IF EXISTS prod.upsert_base",
        "DROP TABLE IF EXISTS staging.upsert_stage",
        f"CREATE TABLE prod.upsert_base AS {fill.format(start=1, stop=target_rows)}",
        f"CREATE TABLE staging.upsert_stage AS {fill.format(start=first, stop=last)}",
        "UPDATE staging.upsert_stage SET label = label || ' v2'",
        "INSERT INTO staging.upsert_stage SELECT * FROM staging.upsert_stage WHERE id % 100 = 0",
        "ANALYZE staging.upsert_stage",
    )
    order = ", ".join(f"{c} DESC NULLS LAST" for c in UPSERT_COLUMNS.split(", ")[1:])
    baseline = [
        f"CREATE TEMP TABLE s ON COMMIT DROP AS SELECT DISTINCT ON (id) {UPSERT_COLUMNS} "
        f"FROM staging.upsert_stage ORDER BY id, {order}",
        "DELETE FROM prod.upsert USING s WHERE prod.upsert.id = s.id",
        f"INSERT INTO prod.upsert ({UPSERT_COLUMNS}) SELECT {UPSERT_COLUMNS} FROM s",
    ]
    fresh = (
        "DROP TABLE IF EXISTS prod.upsert",
        "CREATE TABLE prod.upsert AS SELECT * FROM prod.upsert_base",
        "ANALYZE prod.upsert",
    )
    sql(server, "bench_warehouse", *fresh)
    theirs = run_job("sql", {"dsn": server.dsn("bench_warehouse"), "statements": baseline}, env)
    expected = _table_digest(server, "prod.upsert")
    sql(server, "bench_warehouse", *fresh)
    ours = run_job(
        "upsert",
        {
            "source_sql": TABLE.format(schema="staging", name="upsert_stage"),
            "destination_sql": TABLE.format(schema="prod", name="upsert"),
        },
        env,
    )
    assert _table_digest(server, "prod.upsert") == expected, "upsert differs from the baseline"
    return [
        Row(
            f"upsert {staged_rows:,} staged rows into {target_rows:,}",
            "s",
            ours["seconds"],
            "hand-written SQL, one transaction",
            theirs["seconds"],
            "s",
            ours["peak_rss_mb"],
            "<= 1.2x",
        )
    ]


def _table_digest(server: PostgresServer, table: str) -> tuple[int, str]:
    with psycopg.connect(server.dsn("bench_warehouse")) as conn:
        row = conn.execute(
            f"SELECT COUNT(*), md5(string_agg(md5(t::text), '' ORDER BY id)) FROM {table} AS t"
        ).fetchone()
    return int(row[0]), str(row[1])


def bench_checks(server: PostgresServer, env: dict[str, str]) -> list[Row]:
    """primary-key-check and count-check against the bare SQL they need."""
    table = TABLE.format(schema="prod", name="checked")
    count_sql = "SELECT COUNT(*) FROM (SELECT id FROM prod_count) AS c"
    sql(
        server,
        "bench_warehouse",
        "CREATE SCHEMA IF NOT EXISTS prod",
        "DROP TABLE IF EXISTS prod.checked",
        "CREATE TABLE prod.checked AS SELECT g::bigint AS id, g % 1000 AS account_id, "
        "'x' AS label, 1.0 AS amount, now() AS updated_at FROM generate_series(1, 2000000) g",
    )
    sql(
        server,
        "bench_source",
        "DROP TABLE IF EXISTS prod_count",
        "CREATE TABLE prod_count AS SELECT generate_series(1, 1000000) AS id",
    )
    sql(
        server,
        "bench_warehouse",
        "DROP TABLE IF EXISTS prod_count",
        "CREATE TABLE prod_count AS SELECT generate_series(1, 1000000) AS id",
    )
    bare_pk = "SELECT id, COUNT(*) FROM prod.checked GROUP BY id HAVING COUNT(*) > 1"
    bare_args = {
        "warehouse_dsn": server.dsn("bench_warehouse"),
        "source_dsn": server.dsn("bench_source"),
        "pk_sql": bare_pk,
        "count_sql": count_sql,
    }
    run_job("checks_bare", bare_args, env)  # warm the database's caches for both contenders
    ours, bare = paired_medians(
        ("checks", {"table_sql": table, "count_sql": count_sql}),
        ("checks_bare", bare_args),
        env,
        CHECK_REPEATS,
        ("pk_seconds", "count_seconds"),
    )
    return [
        Row(
            "primary-key-check (2 M rows)",
            "s",
            ours["pk_seconds"],
            "bare GROUP BY query",
            bare["pk_seconds"],
            "s",
            ours["peak_rss_mb"],
            "<= 1.1x",
        ),
        Row(
            "count-check (1 M rows each side)",
            "s",
            ours["count_seconds"],
            "bare COUNT queries",
            bare["count_seconds"],
            "s",
            ours["peak_rss_mb"],
            "<= 1.1x",
        ),
    ]


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | ours | baseline | baseline figure | ratio | target | peak MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        peak = f"{r.peak_mb:.0f}" if r.peak_mb is not None else ""
        lines.append(
            f"| {r.benchmark} | {r.ours:,.3g} {r.unit} | {r.baseline} | "
            f"{r.theirs:,.3g} {r.unit} | {r.ratio:.2f}x | {r.target} | {peak} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes, one repeat")
    parser.add_argument(
        "--only",
        default="parse,transfer,upsert,checks",
        help="comma-separated: parse, transfer (PostgreSQL and MariaDB), mysql (MariaDB only), "
        "upsert, checks",
    )
    parser.add_argument("--pipelines", type=int, default=300, help="pipelines in the parse test")
    parser.add_argument(
        "--repeat", type=int, default=None, help="rounds of the parse runs (default 3; 1 quick)"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile our warm full parse and task-start parse (.local/bench/profile)",
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    WORK.mkdir(parents=True, exist_ok=True)
    server = start_postgres(WORK / "postgres")
    for name in ("bench_source", "bench_warehouse"):
        create_database(server, name)
    env = base_env(server)
    chosen = set(args.only.split(","))
    rows: list[Row] = []
    if "parse" in chosen:
        repeat = args.repeat or (1 if args.quick else 3)
        rows += bench_parse(env, args.pipelines, repeat, args.profile)
    if "transfer" in chosen:
        rows += bench_transfer(server, env, 5_000_000 // scale, 1_000_000 // scale)
    if chosen & {"transfer", "mysql"}:
        rows += bench_transfer_mysql(server, env, 1_000_000 // scale, 1 if args.quick else 3)
    if "upsert" in chosen:
        rows += bench_upsert(server, env, 10_000_000 // scale, 1_000_000 // scale)
    if "checks" in chosen:
        rows += bench_checks(server, env)
    print(
        f"\nMachine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
        f"{time.strftime('%Y-%m-%d')}\n"
    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
