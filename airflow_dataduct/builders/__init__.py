"""The registry from ``step_type`` to the builder that turns a validated step into tasks."""

from airflow_dataduct.builders.registry import BUILDERS, BuildContext, Builder, register

__all__ = ["BUILDERS", "BuildContext", "Builder", "register"]
