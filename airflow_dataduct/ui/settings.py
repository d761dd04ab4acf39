"""Where the Data Quality view reads: Airflow configuration section ``[dataduct]``.

The view runs in the api-server, which knows no pipeline definition, so it is told the
warehouse connection and the history table (``qa.history_table`` of dataduct.yaml) by
Airflow's own configuration, e.g. ``AIRFLOW__DATADUCT__QA_HISTORY_TABLE``.
"""

from __future__ import annotations

from dataclasses import dataclass

SECTION = "dataduct"
DEFAULTS = {
    "warehouse_conn_id": "dataduct_warehouse",
    "qa_history_table": "dba_table_qa_tests",
    "warehouse_search_path": "",
}
"""Option -> default; the defaults are those of dataduct.yaml."""


@dataclass(frozen=True)
class ViewSettings:
    """The warehouse connection, its search path and the QA history table."""

    conn_id: str
    history_table: str
    search_path: tuple[str, ...] = ()


def view_settings() -> ViewSettings:
    """Read ``[dataduct]`` from Airflow's configuration (files or ``AIRFLOW__DATADUCT__*``)."""
    from airflow.configuration import conf  # deferred: start-up time

    def option(name: str) -> str:
        return str(conf.get(SECTION, name, fallback=DEFAULTS[name])).strip()

    path = tuple(p.strip() for p in option("warehouse_search_path").split(",") if p.strip())
    return ViewSettings(option("warehouse_conn_id"), option("qa_history_table"), path)
