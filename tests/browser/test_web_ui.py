"""The Airflow web UI in a real browser: a real api-server, scheduler, dag-processor and
triggerer on loopback (started as ``make ui`` does) with the example definitions, driven
through Debian's Chromium by Playwright.

Screenshots go to ``.local/screenshots``; with ``DATADUCT_UPDATE_SCREENSHOTS=1`` also to
``docs/`` (the README shows those).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devstack.airflow_ui import airflow_env, healthy, start_airflow, stop_airflow, ui_port
from devstack.postgres import PostgresServer
from devstack.seed import seed_users
from tests.integration.conftest import (
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
    """The Airflow parts started by devstack.airflow_ui, their environment and definitions."""

    base_url: str
    env: dict[str, str]
    definitions: Path
    logs: Path
    warehouse_dsn: str

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

    def warehouse(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.warehouse_dsn) as conn:
            return conn.execute(sql).fetchall()

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


@pytest.fixture(scope="module")
def ui(postgres: PostgresServer) -> Iterator[AirflowUi]:
    """api-server, scheduler, dag-processor and triggerer as ``make ui`` starts them, with
    their own AIRFLOW_HOME and definitions folder, on the seeded stack."""
    recreate_database(postgres, SOURCE_DB)
    recreate_database(postgres, WAREHOUSE_DB)
    seed_users(postgres.dsn(SOURCE_DB), SEED_ROWS)
    base = Path(tempfile.mkdtemp(prefix="dataduct-ui-"))
    definitions = copy_definitions(base / "dag_definitions", base / "staging")
    port = ui_port()
    connections = {
        "dataduct_maestro": postgres.dsn(SOURCE_DB),
        "dataduct_warehouse": postgres.dsn(WAREHOUSE_DB),
    }
    env = airflow_env(base / "airflow", port, connections)
    env["DATADUCT_DEFINITIONS_DIR"] = str(definitions)
    logs = base / "logs"
    ui = AirflowUi(f"http://127.0.0.1:{port}", env, definitions, logs, postgres.dsn(WAREHOUSE_DB))
    try:
        start_airflow(env, port, logs)
        _wait(lambda: healthy(ui.base_url), STARTUP_TIMEOUT, "a healthy Airflow", ui)
        yield ui
    finally:
        stop_airflow(logs)
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


def test_dag_docs_show_the_yaml_and_table_definitions(ui: AirflowUi, page: Any) -> None:
    page.goto(f"{ui.base_url}/dags/users")
    page.get_by_role("button", name="Dag Docs").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("table_definition: tables/staging.maestro_users.sql").first.wait_for()
    assert dialog.get_by_text("-- file: tables/prod.users.sql", exact=False).first.is_visible()
    page.wait_for_timeout(500)
    screenshot(page, "users-docs.png")


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


@pytest.fixture(scope="module")
def users_run(ui: AirflowUi) -> str:
    """A ``users`` run triggered through the REST API and finished by the scheduler."""
    ui.api("PATCH", "/dags/users", {"is_paused": False})
    run_id = ui.api("POST", "/dags/users/dagRuns", {"logical_date": None})["dag_run_id"]

    def finished() -> str | None:
        state = ui.api("GET", f"/dags/users/dagRuns/{run_id}")["state"]
        return state if state in ("success", "failed") else None

    assert _wait(finished, RUN_TIMEOUT, "the users run", ui) == "success", ui.log_tail()
    return run_id


def latest_count_check(ui: AirflowUi) -> tuple[int, int, float]:
    """The warehouse's latest count-check row of ``users``: source, warehouse rows, rate."""
    return ui.warehouse(
        "SELECT source_count, destination_count, error_rate FROM prod.dba_table_qa_tests "
        "WHERE test_name = 'users.CountCheckStep0' ORDER BY recorded_at DESC LIMIT 1"
    )[0]


def quality_frame(page: Any) -> Any:
    return page.frame_locator("iframe[title='Data Quality']")


def test_triggered_users_run_succeeds_with_row_counts_on_its_assets(
    ui: AirflowUi, page: Any, users_run: str
) -> None:
    page.goto(f"{ui.base_url}/dags/users/runs/{users_run}")
    page.get_by_text("success", exact=False).first.wait_for()
    page.wait_for_timeout(1000)  # let the grid settle for the picture
    screenshot(page, "users-run.png")
    events = ui.api("GET", "/assets/events?source_dag_id=users")["asset_events"]
    extras = {e["uri"]: e["extra"] for e in events if e["source_run_id"] == users_run}
    loaded = ui.warehouse("SELECT COUNT(*) FROM prod.users")[0][0]
    assert (
        extras["x-dataduct://dataduct_warehouse/staging/maestro_users"]["rows_loaded"]
        == (ui.warehouse("SELECT COUNT(*) FROM staging.maestro_users")[0][0])
    )
    upserted = extras["x-dataduct://dataduct_warehouse/prod/users"]
    assert (upserted["rows_inserted"], upserted["run_id"]) == (loaded, users_run)
    page.goto(f"{ui.base_url}/assets")
    page.get_by_text("prod.users", exact=True).first.wait_for()


def test_data_quality_page_lists_the_checks_with_the_warehouse_numbers(
    ui: AirflowUi, page: Any, users_run: str
) -> None:
    source, warehouse, _ = latest_count_check(ui)
    page.goto(f"{ui.base_url}/plugin/data-quality")
    row = quality_frame(page).locator("tr[data-test='users.CountCheckStep0']")
    row.wait_for()
    assert row.get_attribute("data-outcome") == "pass"
    assert f"source rows {source:,}" in row.inner_text()
    assert f"warehouse rows {warehouse:,}" in row.inner_text()
    pk = quality_frame(page).locator("tr[data-test='users.PrimaryKeyCheckStep0']")
    assert "duplicated keys 0" in pk.inner_text()
    screenshot(page, "data-quality.png")
    row.get_by_role("link", name="log").click()
    page.wait_for_url("**/dags/users/runs/**/tasks/CountCheckStep0**")


def test_dag_tab_charts_each_check_over_its_runs(ui: AirflowUi, page: Any, users_run: str) -> None:
    _, warehouse, _ = latest_count_check(ui)
    page.goto(f"{ui.base_url}/dags/users/plugin/dag-data-quality")
    section = quality_frame(page).locator("section[data-test='users.CountCheckStep0']")
    section.locator("svg.chart rect").first.wait_for()
    assert f"warehouse rows {warehouse:,}" in section.inner_text()
    screenshot(page, "users-quality-tab.png")


def test_qa_task_tab_shows_its_result(ui: AirflowUi, page: Any, users_run: str) -> None:
    source, warehouse, rate = latest_count_check(ui)
    page.goto(
        f"{ui.base_url}/dags/users/runs/{users_run}/tasks/CountCheckStep0/plugin/task-data-quality"
    )
    frame = quality_frame(page)
    frame.locator("section.result").wait_for()
    assert frame.locator("[data-number='source rows']").inner_text() == f"{source:,}"
    assert frame.locator("[data-number='warehouse rows']").inner_text() == f"{warehouse:,}"
    assert f"{rate:.4f}%" in frame.locator("section.result").inner_text()
    screenshot(page, "qa-task-tab.png")
