"""Warehouse tables as Airflow Assets: the task that writes a table names it as an outlet, and a
pipeline can be scheduled on the tables it reads (``schedule_on_tables``).

URI: ``x-dataduct://<warehouse conn_id>/<schema>/<table>`` (lower case, as Redshift folds
names), and the asset is named ``<schema>.<table>`` for the Assets page. The ``x-`` prefix is
Airflow's mark of a custom scheme: such URIs are kept as written, without looking for a
provider's normaliser, which would load the providers manager in every parse (0.14 s, measured).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk import Asset

    from airflow_dataduct.model.pipeline import StepSpec

SCHEME = "x-dataduct"
WRITTEN_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "create-load-redshift": ("table_definition",),
    "create-update-sql": ("table_definition",),
    "upsert": ("destination",),
    "reload": ("destination",),
    "delta-load": ("destination",),
    "load-reload-pk": ("staging_table_definition", "production_table_definition"),
}
"""Step types that write warehouse tables named by table definition files, and those keys."""


def table_uri(conn_id: str, table: str) -> str:
    """The asset URI of warehouse table ``schema.table`` (or ``table``) of ``conn_id``."""
    schema, _, name = table.lower().rpartition(".")
    return f"{SCHEME}://{conn_id}/{schema or 'public'}/{name}"


@functools.cache
def table_asset(conn_id: str, table: str) -> Asset:
    """The Airflow Asset of a warehouse table (shared: assets are immutable, and building one
    normalises its URI, which is slow over hundreds of pipelines)."""
    # deferred: parse time
    from airflow.sdk import Asset

    return Asset(name=table.lower(), uri=table_uri(conn_id, table), group="warehouse")


def written_tables(step: StepSpec) -> list[str]:
    """Full names of the warehouse tables ``step`` writes."""
    names = [
        step.tables[key].full_name
        for key in WRITTEN_TABLE_KEYS.get(step.step_type, ())
        if key in step.tables
    ]
    if step.step_type == "load-redshift":
        schema, table = (getattr(step.params, k, None) for k in ("schema", "table"))
        if table:
            names.append(f"{schema}.{table}" if schema else table)
    return list(dict.fromkeys(names))


def step_outlets(conn_id: str, step: StepSpec) -> list[Any]:
    """The Assets ``step`` writes."""
    return [table_asset(conn_id, name) for name in written_tables(step)]


def table_condition(conn_id: str, tables: tuple[str, ...]) -> Any:
    """Run when every table in ``tables`` was written since the last run."""
    # deferred: parse time
    from airflow.sdk import AssetAll

    return AssetAll(*(table_asset(conn_id, t) for t in tables))
