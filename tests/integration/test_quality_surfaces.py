"""Row counts and QA results where a data engineer looks: asset events, the QA summary XCom,
the history rows the Data Quality view reads, and its pages (a real ``users`` run)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.ui.app import create_app
from airflow_dataduct.ui.pages import overview_page, pipeline_page, task_page
from airflow_dataduct.ui.results import HistoryReader, HistoryUnavailable
from airflow_dataduct.ui.settings import ViewSettings
from tests.integration.conftest import SEED_ROWS, Stack

pytestmark = pytest.mark.integration

SETTINGS = ViewSettings("dataduct_warehouse", "dba_table_qa_tests", ("prod", "public"))


def asset_extras(run_id: str) -> dict[str, dict[str, object]]:
    """The ``extra`` of each asset event of ``run_id``, by asset name."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetEvent.extra)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .where(AssetEvent.source_run_id == run_id)
        ).all()
    return {name: extra for name, extra in rows}


def test_a_users_run_puts_counts_on_assets_and_results_in_the_quality_view(
    stack: Stack,
) -> None:
    run = load_dags(stack.definitions)["users"].test()
    assert run.state == "success"

    extras = asset_extras(run.run_id)
    assert extras["staging.maestro_users"]["rows_loaded"] == SEED_ROWS
    assert extras["prod.users"] == {
        "source_rows": SEED_ROWS,
        "rows_deleted": 0,
        "rows_inserted": SEED_ROWS,
        "rows_new": SEED_ROWS,
        "run_id": run.run_id,
    }

    reader = HistoryReader(SETTINGS)
    latest = {r.test_name: r for r in reader.latest()}
    count = latest["users.CountCheckStep0"]
    assert (count.outcome, count.task_id) == ("pass", "CountCheckStep0")
    assert count.numbers == [("source rows", SEED_ROWS), ("warehouse rows", SEED_ROWS)]
    assert count.airflow["run_id"] == run.run_id
    assert latest["users.PrimaryKeyCheckStep0"].numbers == [
        ("duplicated keys", 0),
        ("surplus rows", 0),
    ]
    assert reader.latest(pipelines={"votes"}) == []

    mine = reader.task_instance("users", run.run_id, "CountCheckStep0")
    assert [r.test_name for r in mine] == ["users.CountCheckStep0"]
    assert "source 20,000 rows, warehouse 20,000 rows" in mine[0].details["summary"]

    overview = overview_page(list(latest.values()), "/base", "dba_table_qa_tests")
    assert f"warehouse rows <b>{SEED_ROWS:,}</b>" in overview
    assert (
        f'href="/base/dags/users/runs/{run.run_id.replace(":", "%3A").replace("+", "%2B")}"'
        in overview
    )
    tab = pipeline_page("users", reader.pipeline("users"), "", "dba_table_qa_tests")
    assert tab.count("<svg") == 2
    assert f'data-number="warehouse rows">{SEED_ROWS:,}<' in task_page("CountCheckStep0", mine)


def test_the_qa_summary_is_a_line_of_text_in_xcom(stack: Stack) -> None:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    run = load_dags(stack.definitions)["users"].test()
    with create_session() as session:
        value = session.scalar(
            select(XComModel.value).where(
                XComModel.run_id == run.run_id,
                XComModel.task_id == "PrimaryKeyCheckStep0",
                XComModel.key == "qa_summary",
            )
        )
    assert value == "users.PrimaryKeyCheckStep0: no duplicate key in prod.users"


def test_an_unreachable_warehouse_is_a_message_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_WAREHOUSE", "postgresql://postgres@127.0.0.1:9/none")
    with pytest.raises(HistoryUnavailable, match="Cannot read dba_table_qa_tests"):
        HistoryReader(SETTINGS).latest()
    page = overview_page([], "", "x", error="Cannot read dba_table_qa_tests: refused")
    assert 'role="alert">Cannot read dba_table_qa_tests: refused<' in page


def test_a_missing_history_table_says_no_result_yet(stack: Stack) -> None:
    with pytest.raises(HistoryUnavailable, match="No QA result recorded yet"):
        HistoryReader(SETTINGS).pipeline("users")


def test_the_quality_app_refuses_a_request_without_an_airflow_token() -> None:
    client = TestClient(create_app(SETTINGS))
    for path in ("/", "/dags/users", "/dags/users/runs/r/tasks/t"):
        assert client.get(path).status_code == 401, path
