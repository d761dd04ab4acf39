"""Reports broken Dataduct definitions as this file's import error; it defines no DAG.

Airflow shows the error under "DAG Import Errors", one line per problem (file:line:col),
while every valid pipeline stays active through ``dataduct_pipelines.py``.
"""

from pathlib import Path

from airflow_dataduct.factory.error_report import raise_definition_errors

raise_definition_errors(Path(__file__).resolve().parent.parent / "dag_definitions")
