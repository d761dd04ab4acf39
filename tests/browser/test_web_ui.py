"""The Airflow web UI in a real browser: a real api-server, scheduler and dag-processor on
loopback with the example definitions, driven through Debian's Chromium by Playwright.

Screenshots go to ``.local/screenshots``; with ``DATADUCT_UPDATE_SCREENSHOTS=1`` also to
``docs/`` (the README shows those).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from devstack._common import free_port
from devstack.postgres import PostgresServer
from devstack.seed import seed_users
from tests.integration.conftest import (
    AIRFLOW,
    SEED_ROWS,
    SOURCE_DB,
    WAREHOUSE_DB,
    copy_definitions,
    recreate_database,
)

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".local" / "screenshots"
STARTUP_TIMEOUT = 150
RUN_TIMEOUT = 180

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is absent (apt-get install chromium)"
    ),
]
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@dataclass
class AirflowUi:
    """The three Airflow processes, their environment and the definitions folder they read."""

    base_url: str
    env: dict[str, str]
    definitions: Path
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call with a token of the simple auth manager (all users are admins)."""
        with urllib.request.urlopen(f"{self.base_url}/auth/token", timeout=30) as response:
            token = json.load(response)["access_token"]
        request = urllib.request.Request(
            f"{self.base_url}/api/v2{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )


def _wait(condition: Any, timeout: float, what: str, ui: AirflowUi) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(2)
    pytest.fail(f"timed out waiting for {what}\n{ui.log_tail()}")


def _healthy(ui: AirflowUi) -> bool:
    with urllib.request.urlopen(f"{ui.base_url}/api/v2/monitor/health", timeout=10) as response:
        health = json.load(response)
    return all(
        health[part]["status"] == "healthy"
        for part in ("metadatabase", "scheduler", "dag_processor")
    )


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group this fixture started, then SIGKILL what is left."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def ui(postgres: PostgresServer) -> Iterator[AirflowUi]:
    """api-server, scheduler and dag-processor on loopback, own AIRFLOW_HOME, seeded stack."""
    recreate_database(postgres, SOURCE_DB)
    recreate_database(postgres, WAREHOUSE_DB)
    seed_users(postgres.dsn(SOURCE_DB), SEED_ROWS)
    base = Path(tempfile.mkdtemp(prefix="dataduct-ui-"))
    definitions = copy_definitions(base / "dag_definitions", base / "staging")
    port = free_port()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(base / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": "dataduct-browser-test",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW_CONN_DATADUCT_MAESTRO": postgres.dsn(SOURCE_DB),
        "AIRFLOW_CONN_DATADUCT_WAREHOUSE": postgres.dsn(WAREHOUSE_DB),
        "DATADUCT_DEFINITIONS_DIR": str(definitions),
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
    logs = base / "logs"
    logs.mkdir()
    ui = AirflowUi(f"http://127.0.0.1:{port}", env, definitions, logs)
    commands = {
        "api-server": [AIRFLOW, "api-server", "-H", "127.0.0.1", "-p", str(port)],
        "scheduler": [AIRFLOW, "scheduler"],
        "dag-processor": [AIRFLOW, "dag-processor"],
    }
    try:
        for name, command in commands.items():
            with open(logs / f"{name}.log", "wb") as log:
                ui.processes.append(
                    subprocess.Popen(
                        command,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        _wait(lambda: _healthy(ui), STARTUP_TIMEOUT, "a healthy Airflow", ui)
        yield ui
    finally:
        _stop(ui.processes)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 820})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))
    if os.environ.get("DATADUCT_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(SHOTS / name, ROOT / "docs" / name)


def dag_card(page: Any, dag_id: str) -> Any:
    return page.get_by_role("link", name=dag_id, exact=True)


def test_dag_list_shows_the_pipelines(ui: AirflowUi, page: Any) -> None:
    expected = [d for d in ("users", "votes") if (ui.definitions / f"{d}.yaml").exists()]
    assert "users" in expected
    page.goto(f"{ui.base_url}/dags")
    for dag_id in expected:
        dag_card(page, dag_id).first.wait_for()
    assert page.get_by_text("daily, dataduct, maestro").first.is_visible()
    screenshot(page, "dag-list.png")


def test_users_graph_shows_its_five_steps_and_their_edges(ui: AirflowUi, page: Any) -> None:
    page.goto(f"{ui.base_url}/dags")
    page.evaluate("localStorage.setItem('default_dag_view', JSON.stringify('graph'))")
    page.goto(f"{ui.base_url}/dags/users")
    nodes = page.locator(".react-flow__node")
    nodes.first.wait_for()
    page.locator(".react-flow__edge").nth(3).wait_for()
    assert sorted(n.get_attribute("data-id") for n in nodes.all()) == sorted(
        [
            "ExtractRdsStep0",
            "load_staging",
            "upsert_users",
            "PrimaryKeyCheckStep0",
            "CountCheckStep0",
        ]
    )
    edges = page.locator(".react-flow__edge").all()
    assert sorted(e.get_attribute("aria-label") for e in edges) == [
        "Edge from ExtractRdsStep0 to load_staging",
        "Edge from load_staging to upsert_users",
        "Edge from upsert_users to CountCheckStep0",
        "Edge from upsert_users to PrimaryKeyCheckStep0",
    ]
    page.wait_for_timeout(500)  # let the layout settle for the picture
    screenshot(page, "users-graph.png")


def test_broken_yaml_is_an_import_error_and_the_others_stay(ui: AirflowUi, page: Any) -> None:
    (ui.definitions / "broken.yaml").write_text(
        "name: broken\nfrequency: dayly\nsteps:\n-   step_type: extract-rdss\n"
    )
    _wait(
        lambda: ui.api("GET", "/importErrors")["total_entries"] > 0,
        90,
        "the import error of broken.yaml",
        ui,
    )
    page.goto(f"{ui.base_url}/")
    page.get_by_text("Dag Import Error").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("dataduct_definition_errors.py").first.wait_for()
    dialog.get_by_text("dataduct_definition_errors.py").first.click()
    dialog.get_by_text(
        "broken.yaml:2:12: frequency 'dayly' is not supported", exact=False
    ).first.wait_for()
    page.goto(f"{ui.base_url}/dags")
    dag_card(page, "users").first.wait_for()
    assert not ui.api("GET", "/dags/users")["has_import_errors"]


def test_triggered_users_run_succeeds_through_the_scheduler(ui: AirflowUi, page: Any) -> None:
    ui.api("PATCH", "/dags/users", {"is_paused": False})
    run = ui.api("POST", "/dags/users/dagRuns", {"logical_date": None})
    run_id = run["dag_run_id"]

    def finished() -> str | None:
        state = ui.api("GET", f"/dags/users/dagRuns/{run_id}")["state"]
        return state if state in ("success", "failed") else None

    assert _wait(finished, RUN_TIMEOUT, "the users run", ui) == "success", ui.log_tail()
    page.goto(f"{ui.base_url}/dags/users/runs/{run_id}")
    page.get_by_text("success", exact=False).first.wait_for()
    events = ui.api("GET", "/assets/events?source_dag_id=users")["asset_events"]
    assert {e["uri"] for e in events} == {
        "x-dataduct://dataduct_warehouse/staging/maestro_users",
        "x-dataduct://dataduct_warehouse/prod/users",
    }, "the writing tasks updated their table assets"
    page.goto(f"{ui.base_url}/assets")
    page.get_by_text("prod.users", exact=True).first.wait_for()
