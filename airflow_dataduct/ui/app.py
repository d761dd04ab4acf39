"""The Data Quality FastAPI app, mounted by the api-server under :data:`URL_PREFIX`.

Airflow does not authenticate plugin apps (a mount inherits none of the core API's
dependencies), so every route here asks for the user behind the request's Airflow token
(the UI's cookie or a Bearer header) and the auth manager's permission to read the DAG.
"""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.app import get_auth_manager
from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.core_api.security import GetUserDep, requires_access_dag
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from airflow_dataduct.ui.pages import overview_page, pipeline_page, task_page
from airflow_dataduct.ui.results import CheckResult, HistoryReader, HistoryUnavailable
from airflow_dataduct.ui.settings import ViewSettings, view_settings

URL_PREFIX = "/dataduct-quality"

ReadDag = Depends(requires_access_dag("GET"))
ReadTaskInstance = Depends(requires_access_dag("GET", DagAccessEntity.TASK_INSTANCE))


def airflow_base(request: Request) -> str:
    """The Airflow UI's base path, from where this app is mounted."""
    return str(request.scope.get("root_path", "")).removesuffix(URL_PREFIX)


def _where(settings: ViewSettings) -> str:
    return f"{settings.history_table} (connection {settings.conn_id})"


def _read(call: Any, *args: Any) -> tuple[list[CheckResult], str | None]:
    """The results, or none and the message saying why they cannot be read."""
    try:
        return call(*args), None
    except HistoryUnavailable as exc:
        return [], str(exc)


def create_app(settings: ViewSettings | None = None) -> FastAPI:
    """The app; ``settings`` default to Airflow's ``[dataduct]`` configuration."""
    settings = settings or view_settings()
    reader = HistoryReader(settings)
    app = FastAPI(title="Dataduct Data Quality", docs_url=None, redoc_url=None)

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request, user: GetUserDep) -> str:
        readable = get_auth_manager().get_authorized_dag_ids(user=user, method="GET")
        results, error = _read(reader.latest, set(readable))
        return overview_page(results, airflow_base(request), _where(settings), error)

    @app.get("/dags/{dag_id}", response_class=HTMLResponse, dependencies=[ReadDag])
    def pipeline(request: Request, dag_id: str) -> str:
        results, error = _read(reader.pipeline, dag_id)
        return pipeline_page(dag_id, results, airflow_base(request), _where(settings), error)

    @app.get(
        "/dags/{dag_id}/runs/{run_id}/tasks/{task_id}",
        response_class=HTMLResponse,
        dependencies=[ReadTaskInstance],
    )
    def task_instance(dag_id: str, run_id: str, task_id: str) -> str:
        results, error = _read(reader.task_instance, dag_id, run_id, task_id)
        return task_page(task_id, results, error)

    return app
