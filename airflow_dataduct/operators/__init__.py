"""Operators for Dataduct steps; each is small and shows the SQL it runs as templated fields."""

from airflow_dataduct.operators.checks import CountCheckOperator, PrimaryKeyCheckOperator
from airflow_dataduct.operators.column_check import ColumnCheckOperator
from airflow_dataduct.operators.extract_rds import ExtractRdsOperator
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.operators.upsert import UpsertOperator

__all__ = [
    "ColumnCheckOperator",
    "CountCheckOperator",
    "CreateLoadRedshiftOperator",
    "ExtractRdsOperator",
    "PrimaryKeyCheckOperator",
    "UpsertOperator",
]
