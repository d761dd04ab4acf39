"""Dataduct's own example pipelines on the local stack: where they are and how one runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from airflow_dataduct.factory.loader import load_dags
from tests.integration.conftest import EXAMPLES

__all__ = ["EXAMPLES", "RUN_DATE", "run"]
RUN_DATE = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.timezone.utc)


def run(folder: Path, dag_id: str) -> Any:
    """One example's DAG run by ``dag.test()`` for RUN_DATE."""
    dag = load_dags(folder)[dag_id]
    return dag.test(logical_date=RUN_DATE)
