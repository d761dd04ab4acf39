"""airflow-dataduct: run Dataduct-style YAML ETL pipelines on Apache Airflow 3."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def get_provider_info() -> dict[str, Any]:
    """Airflow's provider metadata (entry point ``apache_airflow_provider``)."""
    return {
        "package-name": "airflow-dataduct",
        "name": "Dataduct",
        "description": "Declarative Dataduct-style YAML ETL pipelines, as Airflow DAGs.",
        "versions": [__version__],
        "operators": [
            {
                "integration-name": "Dataduct",
                "python-modules": [
                    "airflow_dataduct.operators.extract_rds",
                    "airflow_dataduct.operators.load",
                    "airflow_dataduct.operators.upsert",
                    "airflow_dataduct.operators.checks",
                    "airflow_dataduct.operators.column_check",
                ],
            }
        ],
    }
