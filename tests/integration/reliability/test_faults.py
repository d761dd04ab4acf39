"""Faults injected into real runs: sessions killed mid-statement, the server restarted, S3
uploads failing halfway. Each time the try fails with a clear error, the warehouse keeps its
previous contents, and Airflow's own retry (``retries: 1``, ``retry_delay_minutes: 0``; the
in-process ``dag.test()`` honours retries like the scheduler) ends with exactly the source rows.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from botocore.exceptions import ClientError

from airflow_dataduct.factory.loader import load_dags
from devstack.postgres import PostgresServer, start_postgres, stop_postgres
from devstack.seed import seed_users
from tests.integration.conftest import (
    SOURCE_DB,
    WAREHOUSE_DB,
    MotoS3,
    Stack,
    copy_definitions,
    recreate_database,
)
from tests.integration.reliability.support import (
    EVENT_COLUMNS,
    Fault,
    FaultInjector,
    Ledger,
    add_events_pipeline,
    digest,
    record_retries,
    seed_previous_warehouse,
    set_config,
    source_digest,
    try_numbers,
)

pytestmark = pytest.mark.integration

ROWS = 100_000
PREVIOUS_ROWS = 50_000
CONNECTION_LOST = re.compile(
    r"terminat|server closed the connection|connection (is )?(lost|closed|bad)|"
    r"shutting down|consuming input failed",
    re.IGNORECASE,
)
S3_FAILED = r"InternalError.*injected S3 fault"

EXTRACT = "COPY (SELECT id, name, amount, created_at FROM events%TO STDOUT%"
LOAD = "COPY staging.events%FROM STDIN%"
FILL = "INSERT INTO events_temp%"
DELETE = "DELETE%FROM prod.events%USING%"
INSERT = "INSERT INTO prod.events%"


def kill(name: str, task: str, pattern: str, *, source: bool = False) -> Fault:
    guard = None if source else {"load_events": "staging.events"}.get(task, "prod.events")
    database = SOURCE_DB if source else WAREHOUSE_DB
    return Fault(f"{name} ({task})", task, pattern, database, guard)


class S3Faults:
    """Patches S3Hook so the first try of an upload fails: part ``n`` of an extract, or its
    manifest. Bound to a :class:`Fault` that it fires."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fault: Fault, part: int | None) -> None:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        self.fault = fault
        self.part = part
        self.uploads = 0
        load_file, load_string = S3Hook.load_file, S3Hook.load_string

        def failing_load_file(hook: Any, filename: Any, key: str, *args: Any, **kw: Any) -> Any:
            if self.part is not None and not fault.fired.is_set():
                if self.uploads == self.part:
                    self._fire(key)
                self.uploads += 1
            return load_file(hook, filename, key, *args, **kw)

        def failing_load_string(hook: Any, data: str, key: str, *args: Any, **kw: Any) -> Any:
            if self.part is None and key.endswith("manifest.json") and not fault.fired.is_set():
                self._fire(key)
            return load_string(hook, data, key, *args, **kw)

        monkeypatch.setattr(S3Hook, "load_file", failing_load_file)
        monkeypatch.setattr(S3Hook, "load_string", failing_load_string)

    def _fire(self, key: str) -> None:
        Ledger.injected.append(self.fault.name)
        self.fault.fired.set()
        self.fault.settled.set()
        error = {"Code": "InternalError", "Message": f"injected S3 fault uploading {key}"}
        raise ClientError({"Error": error}, "PutObject")


def use_s3(stack: Stack, s3: MotoS3) -> None:
    set_config(stack.definitions, location=f"s3://{s3.bucket}/etl")


def run_with_faults(
    stack: Stack,
    faults: list[Fault],
    restart: Any = None,
    mark_success: str | None = None,
) -> dict[str, tuple[str, int]]:
    """Run the events DAG with the injector watching; every fault must have fired."""
    dag = load_dags(stack.definitions)["events"]
    record_retries(dag, faults, lambda: stack.server.dsn(WAREHOUSE_DB))
    injector = FaultInjector(stack.server, faults, restart)
    injector.start()
    try:
        run = dag.test(mark_success_pattern=mark_success)
    finally:
        injector.stop.set()
        injector.join(30)
    assert injector.failure is None, injector.failure
    for fault in faults:
        assert fault.fired.is_set(), f"fault not injected: {fault.name}"
    tries = try_numbers(run)
    assert str(getattr(run.state, "value", run.state)) == "success", tries
    return tries


def assert_survived(
    stack: Stack,
    faults: list[Fault],
    tries: dict[str, tuple[str, int]],
    previous: dict[str, Any],
) -> None:
    """Each faulted task failed once with a clear error, kept the old rows, then succeeded
    on Airflow's retry; the warehouse ends with exactly the source rows."""
    for fault in faults:
        assert tries[fault.task_id][1] == 2, f"{fault.task_id} was not retried: {tries}"
        error = re.compile(fault.expect) if fault.expect else CONNECTION_LOST
        assert error.search(fault.error), f"{fault.name}: unclear error {fault.error!r}"
        if fault.guard is not None:
            assert fault.after_fault == previous[fault.guard], f"{fault.name} changed the table"
    untouched = {f.task_id for f in faults}
    assert all(n == 1 for t, (_, n) in tries.items() if t not in untouched), tries
    expected = source_digest(stack)
    with stack.warehouse() as warehouse:
        assert digest(warehouse, "staging.events") == expected
        assert digest(warehouse, "prod.events") == expected
    Ledger.survived.extend(f.name for f in faults)


@pytest.fixture
def events(stack: Stack) -> Stack:
    add_events_pipeline(stack, ROWS)
    return stack


def previous_contents(stack: Stack, seed: bool = True) -> dict[str, Any]:
    if seed:
        seed_previous_warehouse(stack, PREVIOUS_ROWS)
    with stack.warehouse() as warehouse:
        return {t: digest(warehouse, t) for t in ("staging.events", "prod.events")}


SESSION_KILLS = {
    "every-write-step": lambda: [
        kill("kill extract COPY TO", "extract_events", EXTRACT, source=True),
        kill("kill COPY into the warehouse", "load_events", LOAD),
        kill("kill upsert insert", "upsert_events", INSERT),
    ],
    "upsert-fill": lambda: [kill("kill upsert staging fill", "upsert_events", FILL)],
    "upsert-delete": lambda: [kill("kill upsert delete", "upsert_events", DELETE)],
}


@pytest.mark.parametrize("scenario", sorted(SESSION_KILLS))
def test_killed_sessions_fail_cleanly_and_retry_to_the_source_rows(
    events: Stack, scenario: str
) -> None:
    faults = SESSION_KILLS[scenario]()
    previous = previous_contents(events)
    tries = run_with_faults(events, faults)
    assert_survived(events, faults, tries, previous)


def test_killed_load_into_a_new_table_leaves_no_table_then_retries(events: Stack) -> None:
    faults = [kill("kill COPY into a table being created", "load_events", LOAD)]
    previous = previous_contents(events, seed=False)
    assert previous["staging.events"] is None
    tries = run_with_faults(events, faults)
    assert_survived(events, faults, tries, previous)


def test_killed_sessions_with_s3_staging(events: Stack, moto_s3: MotoS3) -> None:
    use_s3(events, moto_s3)
    faults = [
        kill("kill extract COPY TO, S3 staging", "extract_events", EXTRACT, source=True),
        kill("kill COPY from S3 staging", "load_events", LOAD),
        kill("kill upsert delete, S3 staging", "upsert_events", DELETE),
    ]
    previous = previous_contents(events)
    tries = run_with_faults(events, faults)
    assert_survived(events, faults, tries, previous)
    assert moto_s3.keys("etl/events/") == [], "the loaded staging files are removed"


@pytest.mark.parametrize("part", [0, 3, None], ids=["first-part", "fourth-part", "manifest"])
def test_s3_upload_failing_halfway_leaves_nothing_staged_and_retries(
    events: Stack, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch, part: int | None
) -> None:
    use_s3(events, moto_s3)
    what = "manifest" if part is None else f"part {part}"
    upload = Fault(
        f"S3 upload of {what} fails (extract_events)", "extract_events", expect=S3_FAILED
    )
    S3Faults(monkeypatch, upload, part)
    extra = {
        0: kill("kill COPY after an S3 retry", "load_events", LOAD),
        3: kill("kill upsert insert after an S3 retry", "upsert_events", INSERT),
        None: kill("kill upsert fill after an S3 retry", "upsert_events", FILL),
    }[part]
    previous = previous_contents(events)
    tries = run_with_faults(events, [upload, extra])
    assert_survived(events, [upload, extra], tries, previous)
    assert moto_s3.keys("etl/events/") == [], "no part of the failed try is left behind"


def copy_source_into_warehouse(stack: Stack) -> None:
    """Both warehouse tables already hold exactly the source rows."""
    seed_previous_warehouse(stack, 0)
    with stack.source() as source, stack.warehouse() as warehouse:
        for table in ("staging.events", "prod.events"):
            with (
                source.cursor().copy(f"COPY events ({EVENT_COLUMNS}) TO STDOUT") as out,
                warehouse.cursor().copy(f"COPY {table} ({EVENT_COLUMNS}) FROM STDIN") as into,
            ):
                for data in out:
                    into.write(data)


def test_quality_checks_killed_while_running_are_retried(events: Stack) -> None:
    copy_source_into_warehouse(events)
    faults = [
        Fault("kill primary-key-check query (pk_events)", "pk_events", "%GROUP BY%", blocked=True),
        Fault(
            "kill count-check warehouse count (count_events)",
            "count_events",
            "SELECT COUNT(*) FROM (SELECT id FROM prod.events%",
            blocked=True,
        ),
    ]
    # The checks are too quick to catch mid-query, so a lock holds them until killed.
    blocker = psycopg.connect(events.server.dsn(WAREHOUSE_DB))
    blocker.execute("LOCK TABLE prod.events IN ACCESS EXCLUSIVE MODE")
    release = _release_when_fired(blocker, faults)
    try:
        tries = run_with_faults(events, faults, mark_success=r"(extract|load|upsert)_events")
    finally:
        release.join(30)
        blocker.close()
    assert_survived(events, faults, tries, {})


def _release_when_fired(blocker: psycopg.Connection, faults: list[Fault]) -> Any:
    import threading

    def release() -> None:
        for fault in faults:
            fault.fired.wait(120)
        blocker.rollback()

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def restartable() -> Iterator[tuple[PostgresServer, Path]]:
    """A PostgreSQL server of this module's own, so restarting it disturbs no other test."""
    base = Path(tempfile.mkdtemp(prefix="dataduct-pg-restart-"))
    server = start_postgres(base)
    yield server, base
    stop_postgres(base)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def restart_stack(
    restartable: tuple[PostgresServer, Path],
    airflow_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Stack:
    server, _ = restartable
    for name in (SOURCE_DB, WAREHOUSE_DB):
        recreate_database(server, name)
    seed_users(server.dsn(SOURCE_DB), 100)
    staging = tmp_path / "staging"
    definitions = copy_definitions(tmp_path / "dag_definitions", staging)
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_MAESTRO", server.dsn(SOURCE_DB))
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_WAREHOUSE", server.dsn(WAREHOUSE_DB))
    stack = Stack(server, definitions, staging)
    add_events_pipeline(stack, ROWS)
    return stack


def test_server_restarts_during_each_write_step_are_survived(
    restart_stack: Stack, restartable: tuple[PostgresServer, Path]
) -> None:
    server, base = restartable

    def restart() -> None:
        stop_postgres(base)
        start_postgres(base, port=server.port)

    faults = [
        Fault(
            "restart server during extract (extract_events)",
            "extract_events",
            EXTRACT,
            SOURCE_DB,
            None,
            restart=True,
        ),
        Fault(
            "restart server during load (load_events)",
            "load_events",
            LOAD,
            WAREHOUSE_DB,
            "staging.events",
            restart=True,
        ),
        Fault(
            "restart server during upsert (upsert_events)",
            "upsert_events",
            INSERT,
            WAREHOUSE_DB,
            "prod.events",
            restart=True,
        ),
    ]
    previous = previous_contents(restart_stack)
    tries = run_with_faults(restart_stack, faults, restart)
    assert_survived(restart_stack, faults, tries, previous)
