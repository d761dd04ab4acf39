"""Helpers of the reliability tests: an ``events`` pipeline, table digests and fault injection.

A :class:`FaultInjector` thread watches ``pg_stat_activity`` and, once a statement of a task
is running (and, for a COPY, has moved rows), terminates its session or restarts the whole
server. Each task gets an ``on_retry_callback`` that records the error the try failed with and
a digest of the table the task writes, taken before Airflow starts the retry: so a test can
prove the warehouse kept its previous contents and that Airflow's own retry finished the job.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from devstack.postgres import PostgresServer
from tests.integration.conftest import SOURCE_DB, WAREHOUSE_DB, Stack

EVENT_COLUMNS = "id, name, amount, created_at"
EVENTS_PIPELINE = """name: events
frequency: daily
steps:
-   step_type: extract-rds
    name: extract_events
    sql: SELECT id, name, amount, created_at FROM events
    host_name: maestro
-   step_type: create-load-redshift
    name: load_events
    table_definition: tables/staging.events.sql
-   step_type: upsert
    name: upsert_events
    source: tables/staging.events.sql
    destination: tables/prod.events.sql
-   step_type: primary-key-check
    name: pk_events
    depends_on: upsert_events
    table_definition: tables/prod.events.sql
-   step_type: count-check
    name: count_events
    depends_on: upsert_events
    source_sql: SELECT id FROM events
    source_host: maestro
    destination_sql: SELECT id FROM prod.events
    tolerance: 0
"""
EVENTS_TABLE = """CREATE TABLE {name} (
    id          BIGINT        NOT NULL,
    name        VARCHAR(64),
    amount      NUMERIC(12,2),
    created_at  TIMESTAMPTZ,
    PRIMARY KEY (id)
);
"""
SOURCE_EVENTS = f"""CREATE TABLE events (
    id BIGINT PRIMARY KEY, name VARCHAR(64), amount NUMERIC(12,2), created_at TIMESTAMPTZ);
INSERT INTO events ({EVENT_COLUMNS})
SELECT g, 'event ' || g || repeat('x', g % 23), (g % 100000) / 100.0,
       timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second'
FROM generate_series(1, %s) AS g"""


class Ledger:
    """Every fault injected in the session, and how many were survived (for the summary)."""

    injected: list[str] = []
    survived: list[str] = []


def set_config(definitions: Path, **changes: str) -> None:
    """Rewrite ``key: value`` lines of the definitions' ``dataduct.yaml`` (indentation kept)."""
    config = definitions / "dataduct.yaml"
    text = config.read_text()
    for key, value in changes.items():
        text, count = re.subn(rf"(?m)^(\s*){key}:.*$", rf"\g<1>{key}: {value}", text, count=1)
        assert count == 1, f"dataduct.yaml has no '{key}:' line"
    config.write_text(text)


def retain_staging(definitions: Path) -> None:
    """Set ``staging.retain: true`` in the definitions' ``dataduct.yaml``."""
    config = definitions / "dataduct.yaml"
    text, count = re.subn(
        r"(?m)^(\s*)part_size_mb:(.*)$", r"\g<0>\n\g<1>retain: true", config.read_text()
    )
    assert count == 1
    config.write_text(text)


def add_events_pipeline(stack: Stack, rows: int) -> None:
    """A 5-step ``events`` pipeline over a ``rows``-row source table; every task retries once
    at once, extracts cut 1 MiB parts."""
    (stack.definitions / "events.yaml").write_text(EVENTS_PIPELINE)
    for name in ("staging.events", "prod.events"):
        (stack.definitions / "tables" / f"{name}.sql").write_text(EVENTS_TABLE.format(name=name))
    set_config(stack.definitions, retries="1", retry_delay_minutes="0", part_size_mb="1")
    with stack.source() as source:
        source.execute(SOURCE_EVENTS.replace("%s", str(int(rows))))


def seed_previous_warehouse(stack: Stack, rows: int) -> None:
    """Warehouse tables as an earlier run left them: ids 1..rows with older values."""
    with stack.warehouse() as warehouse:
        for name in ("staging.events", "prod.events"):
            warehouse.execute(f"CREATE SCHEMA IF NOT EXISTS {name.split('.')[0]}")
            warehouse.execute(EVENTS_TABLE.format(name=name))
            warehouse.execute(
                f"INSERT INTO {name} ({EVENT_COLUMNS}) SELECT g, 'old ' || g, 0, NULL "
                f"FROM generate_series(1, {int(rows)}) AS g"
            )


def digest(conn: psycopg.Connection, table: str, key: str = "id") -> tuple[int, str] | None:
    """Row count and an md5 of every row in key order; None when the table does not exist."""
    if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
        return None
    row = conn.execute(
        f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.{key}), '')) "
        f"FROM {table} AS t"
    ).fetchone()
    return int(row[0]), str(row[1])


def source_digest(stack: Stack) -> tuple[int, str] | None:
    with stack.source() as source:
        return digest(source, "events")


@dataclass
class Fault:
    """One fault to inject into one task's first try."""

    name: str
    task_id: str
    pattern: str = ""
    """ILIKE pattern of the statement to hit (``pg_stat_activity.query``)."""
    database: str = WAREHOUSE_DB
    guard: str | None = None
    """The warehouse table the task writes: it must keep its previous contents."""
    restart: bool = False
    """Restart the whole server instead of terminating the one session."""
    blocked: bool = False
    """Hit the statement while it waits on a lock (for statements too quick to catch)."""
    expect: str = ""
    """A regular expression the failed try's error must match (default: a lost connection)."""
    fired: threading.Event = field(default_factory=threading.Event)
    settled: threading.Event = field(default_factory=threading.Event)
    error: str = ""
    after_fault: tuple[int, str] | None = None
    progress: int = 0


class FaultInjector(threading.Thread):
    """Watches the server and fires each pending fault when its statement runs."""

    def __init__(
        self,
        server: PostgresServer,
        faults: Iterable[Fault],
        restart: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(daemon=True, name="fault-injector")
        self.server = server
        self.faults = [f for f in faults if f.pattern]
        self.restart_server = restart
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            self._watch()
        except BaseException as exc:  # reported by the test through .failure
            self.failure = exc

    def _watch(self) -> None:
        conn: psycopg.Connection | None = None
        while not self.stop.is_set() and any(not f.fired.is_set() for f in self.faults):
            if conn is None or conn.closed:
                conn = self._connect()
                if conn is None:
                    continue
            try:
                for fault in self.faults:
                    if not fault.fired.is_set() and self._try_fire(conn, fault):
                        conn = None
                        break
            except psycopg.OperationalError:
                conn = None
            time.sleep(0.003)

    def _connect(self) -> psycopg.Connection | None:
        try:
            return psycopg.connect(self.server.dsn(), autocommit=True, connect_timeout=2)
        except psycopg.OperationalError:
            time.sleep(0.05)
            return None

    def _try_fire(self, conn: psycopg.Connection, fault: Fault) -> bool:
        waiting = "AND a.wait_event_type = 'Lock'" if fault.blocked else ""
        row = conn.execute(
            "SELECT a.pid, coalesce(p.tuples_processed, 0) FROM pg_stat_activity a "
            "LEFT JOIN pg_stat_progress_copy p ON p.pid = a.pid "
            "WHERE a.datname = %s AND a.state = 'active' AND a.query ILIKE %s "
            f"AND a.pid <> pg_backend_pid() {waiting} LIMIT 1",
            (fault.database, fault.pattern),
        ).fetchone()
        if row is None:
            return False
        pid, progress = row
        if fault.pattern.upper().startswith("COPY") and not progress:
            return False  # the COPY has not moved a row yet: wait for its middle
        fault.progress = int(progress)
        Ledger.injected.append(fault.name)
        if fault.restart:
            assert self.restart_server is not None
            conn.close()
            fault.fired.set()
            self.restart_server()
        else:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
            fault.fired.set()
        fault.settled.set()
        return fault.restart


def record_retries(dag: Any, faults: list[Fault], warehouse_dsn: Callable[[], str]) -> None:
    """Give every task an ``on_retry_callback`` that records its fault's error and a digest of
    the table it writes, before Airflow retries it."""
    by_task = {f.task_id: f for f in faults}

    def on_retry(context: dict[str, Any]) -> None:
        fault = by_task.get(context["ti"].task_id)
        if fault is None:
            return
        fault.error = str(context.get("exception"))
        fault.settled.wait(60)
        if fault.guard is not None:
            fault.after_fault = _digest_when_up(warehouse_dsn(), fault.guard)

    for task in dag.tasks:
        existing = task.on_retry_callback or []
        task.on_retry_callback = [*existing, on_retry]


def _digest_when_up(dsn: str, table: str) -> tuple[int, str] | None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with psycopg.connect(dsn, autocommit=True, connect_timeout=2) as conn:
                return digest(conn, table)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def try_numbers(dag_run: Any) -> dict[str, tuple[str, int]]:
    """Each task's final state and try number in a finished run."""
    return {
        ti.task_id: (str(getattr(ti.state, "value", ti.state)), ti.try_number)
        for ti in dag_run.get_task_instances()
    }


def warehouse_dsn(server: PostgresServer) -> str:
    return server.dsn(WAREHOUSE_DB)


def source_dsn(server: PostgresServer) -> str:
    return server.dsn(SOURCE_DB)
