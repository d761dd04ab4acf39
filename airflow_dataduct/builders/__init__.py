"""The registry from ``step_type`` to the builder that turns a validated step into tasks."""

from airflow_dataduct.builders.registry import BUILDERS, BuildContext, Builder, register

# Built-in step families register their builders on import.
from airflow_dataduct.builders import steps  # noqa: F401  isort: skip
from airflow_dataduct.builders import qa  # noqa: F401  isort: skip
from airflow_dataduct.builders import sql  # noqa: F401  isort: skip
from airflow_dataduct.builders import emr  # noqa: F401  isort: skip
from airflow_dataduct.builders import files  # noqa: F401  isort: skip

__all__ = ["BUILDERS", "BuildContext", "Builder", "register"]
