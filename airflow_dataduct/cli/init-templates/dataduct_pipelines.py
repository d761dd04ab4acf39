"""Airflow DAGs for every valid Dataduct pipeline (written by ``airflow-dataduct init``).

The definitions are read from ``dag_definitions/`` next to this file, or from the folder
named by the environment variable ``DATADUCT_DEFINITIONS_DIR``. This file never raises:
broken definitions are reported by ``dataduct_definition_errors.py``.
"""

from pathlib import Path

from airflow_dataduct.factory.loader import load_dags

globals().update(load_dags(Path(__file__).resolve().parent / "dag_definitions"))
