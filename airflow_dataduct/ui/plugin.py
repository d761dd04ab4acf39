"""The Airflow plugin (entry point ``airflow.plugins``): the Data Quality app and its views.

Every Airflow process imports plugins (task runners too, for macros), so this module stays
light: the FastAPI app is built only when the api-server asks for ``fastapi_apps``.
"""

from __future__ import annotations

import functools
from typing import Any

from airflow.sdk.plugins_manager import AirflowPlugin

PREFIX = "dataduct-quality"
"""Where the app is mounted, relative to Airflow's base URL (``ui.app.URL_PREFIX``)."""

EXTERNAL_VIEWS: list[dict[str, Any]] = [
    {
        "name": "Data Quality",
        "href": f"{PREFIX}/",
        "destination": "nav",
        "category": "browse",
        "url_route": "data-quality",
    },
    {
        "name": "Data Quality",
        "href": f"{PREFIX}/dags/{{DAG_ID}}",
        "destination": "dag",
        "url_route": "dag-data-quality",
    },
    {
        "name": "Data Quality",
        "href": f"{PREFIX}/dags/{{DAG_ID}}/runs/{{RUN_ID}}/tasks/{{TASK_ID}}",
        "destination": "task_instance",
        "url_route": "task-data-quality",
    },
]
"""Airflow fills ``{DAG_ID}``, ``{RUN_ID}`` and ``{TASK_ID}`` in the tab's address."""


@functools.cache
def _fastapi_apps() -> list[dict[str, Any]]:
    # deferred: FastAPI and Airflow's API security load only in the api-server
    from airflow_dataduct.ui.app import URL_PREFIX, create_app

    return [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "Dataduct Data Quality"}]


class DataductPlugin(AirflowPlugin):
    """Data Quality: a page in the navigation, a tab on each DAG and on each task instance."""

    name = "dataduct"
    external_views = EXTERNAL_VIEWS

    @property
    def fastapi_apps(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return _fastapi_apps()
