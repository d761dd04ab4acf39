"""``make ui``: Airflow's web UI on the demo stack, and the one place that knows how to start
it (the browser test starts it through :func:`start_airflow` too).

Starts PostgreSQL (seeded source ``userDb``, warehouse ``warehouse``), then ``airflow
api-server``, ``scheduler``, ``dag-processor`` and ``triggerer``, each in its own process
group with a PID file under ``.local/ui``; prints the URL and waits. Ctrl-C or
``make ui-stop`` (``python -m devstack.airflow_ui stop``) stops them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from devstack._common import free_port, pid_exists
from devstack.postgres import PostgresServer, create_database, start_postgres
from devstack.seed import seed_users

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
UI_DIR = LOCAL / "ui"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
LOG_SERVER_PORT = 8793
"""The worker log server's default port: never the UI's."""
PARTS = ("api-server", "scheduler", "dag-processor", "triggerer")
HEALTH_TIMEOUT = 150.0
ROWS = int(os.environ.get("DEMO_ROWS", "100000"))


def ui_port() -> int:
    """A free port on loopback other than the log server's."""
    port = free_port()
    return port if port != LOG_SERVER_PORT else ui_port()


def airflow_env(home: Path, port: int, connections: Mapping[str, str]) -> dict[str, str]:
    """Every setting a local UI needs: simple auth manager with everyone admin (no login),
    the API base URL and the execution API URL on ``port``, one JWT secret for all parts,
    low parallelism for small machines, the connections (``conn_id`` -> URI) and where the
    Data Quality view reads (``[dataduct]``)."""
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__AUTH_MANAGER": (
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": "dataduct-local-ui",
        "AIRFLOW__API__BASE_URL": base,
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DATADUCT__WAREHOUSE_CONN_ID": "dataduct_warehouse",
        "AIRFLOW__DATADUCT__QA_HISTORY_TABLE": "dba_table_qa_tests",
        "AIRFLOW__DATADUCT__WAREHOUSE_SEARCH_PATH": "prod,public",
    }
    env.update({f"AIRFLOW_CONN_{c.upper()}": uri for c, uri in connections.items()})
    return env


def start_airflow(
    env: Mapping[str, str], port: int, run_dir: Path
) -> list[subprocess.Popen[bytes]]:
    """Migrate the metadata DB, then start every part (logs and PID files in ``run_dir``)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([AIRFLOW, "db", "migrate"], env=dict(env), check=True, capture_output=True)
    processes = []
    for part in PARTS:
        command = [AIRFLOW, part]
        if part == "api-server":
            command += ["-H", "127.0.0.1", "-p", str(port)]
        with open(run_dir / f"{part}.log", "wb") as log:
            process = subprocess.Popen(
                command, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        (run_dir / f"{part}.pid").write_text(f"{process.pid}\n")
        processes.append(process)
    return processes


def healthy(base_url: str) -> bool:
    """The api-server answers and reports the metadatabase, scheduler, dag-processor and
    triggerer healthy."""
    try:
        with urllib.request.urlopen(f"{base_url}/api/v2/monitor/health", timeout=10) as response:
            health = json.load(response)
    except OSError:
        return False
    parts = ("metadatabase", "scheduler", "dag_processor", "triggerer")
    return all((health.get(p) or {}).get("status") == "healthy" for p in parts)


def wait_healthy(base_url: str, timeout: float = HEALTH_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(base_url):
            return True
        time.sleep(2)
    return False


def stop_airflow(run_dir: Path, grace: float = 30.0) -> list[str]:
    """SIGTERM the process group of every PID file in ``run_dir``, SIGKILL what outlives
    ``grace`` seconds; the parts that were running."""
    groups = {}
    for pid_file in sorted(run_dir.glob("*.pid")):
        pid = int(pid_file.read_text().strip() or 0)
        pid_file.unlink()
        if pid and pid_exists(pid):
            os.killpg(pid, signal.SIGTERM)
            groups[pid_file.stem] = pid
    deadline = time.monotonic() + grace
    for pid in groups.values():
        while pid_exists(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.5)
        if pid_exists(pid):
            os.killpg(pid, signal.SIGKILL)
        _reap(pid)
    return list(groups)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # not our child: its parent reaps it
        os.waitpid(pid, os.WNOHANG)


def prepare_stack() -> PostgresServer:
    """PostgreSQL under .local/stack with the seeded source and a warehouse (kept between
    runs, so earlier runs and QA results stay visible)."""
    server = start_postgres(LOCAL / "stack" / "postgres")
    create_database(server, "userDb")
    create_database(server, "warehouse")
    print(f"==> Seeding userDb.users with {ROWS:,} rows")
    seed_users(server.dsn("userDb"), ROWS)
    (LOCAL / "staging").mkdir(parents=True, exist_ok=True, mode=0o700)
    return server


def main() -> int:
    if stop_airflow(UI_DIR):
        print("==> Stopped the UI left running by an earlier `make ui`")
    server = prepare_stack()
    port = ui_port()
    connections = {
        "dataduct_maestro": server.dsn("userDb"),
        "dataduct_warehouse": server.dsn("warehouse"),
    }
    env = airflow_env(LOCAL / "airflow", port, connections)
    base_url = f"http://127.0.0.1:{port}"
    print(f"==> Starting {', '.join(PARTS)} (logs in {UI_DIR})")
    start_airflow(env, port, UI_DIR)
    if not wait_healthy(base_url):
        stop_airflow(UI_DIR)
        print(f"Airflow did not become healthy; see the logs in {UI_DIR}", file=sys.stderr)
        return 1
    print(f"\nAirflow UI: {base_url}  (no login: every user is an admin)")
    print("Stop it with Ctrl-C here, or `make ui-stop` from another shell.")
    try:
        while any((UI_DIR / f"{p}.pid").exists() for p in PARTS):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    stopped = stop_airflow(UI_DIR)
    print(f"\n==> Stopped {', '.join(stopped) or 'nothing (already stopped)'}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        print(f"stopped: {', '.join(stop_airflow(UI_DIR)) or 'nothing was running'}")
        sys.exit(0)
    sys.exit(main())
