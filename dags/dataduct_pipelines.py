"""Airflow DAGs for every valid Dataduct pipeline in ``dag_definitions/``.

This file never raises: broken definitions are reported by ``dataduct_definition_errors.py``.
"""

from pathlib import Path

from airflow_dataduct.factory.loader import load_dags

globals().update(load_dags(Path(__file__).resolve().parent.parent / "dag_definitions"))
