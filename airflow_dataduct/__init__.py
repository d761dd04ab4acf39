"""airflow-dataduct: run Dataduct-style YAML ETL pipelines on Apache Airflow 3."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_OPERATOR_MODULES = [
    "airflow_dataduct.operators.base",
    "airflow_dataduct.operators.extract_rds",
    "airflow_dataduct.operators.extract_files",
    "airflow_dataduct.operators.extract_redshift",
    "airflow_dataduct.operators.transform",
    "airflow_dataduct.operators.load",
    "airflow_dataduct.operators.load_postgres",
    "airflow_dataduct.operators.load_redshift",
    "airflow_dataduct.operators.upsert",
    "airflow_dataduct.operators.sql_command",
    "airflow_dataduct.operators.checks",
    "airflow_dataduct.operators.column_check",
    "airflow_dataduct.operators.emr",
]


def get_provider_info() -> dict[str, Any]:
    """Airflow's provider metadata (entry point ``apache_airflow_provider``).

    The package defines no connection type of its own: it uses Airflow's ``postgres``,
    ``redshift``, ``mysql`` and ``aws`` connections (see docs/deployment.md), so it lists no
    ``connection-types``.
    """
    return {
        "package-name": "airflow-dataduct",
        "name": "Dataduct",
        "description": "Declarative Dataduct-style YAML ETL pipelines, as Airflow DAGs.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "Dataduct",
                "external-doc-url": "https://github.com/coursera/dataduct",
                "tags": ["software"],
            },
            {
                "integration-name": "Amazon Redshift (Dataduct)",
                "external-doc-url": "https://docs.aws.amazon.com/redshift/",
                "tags": ["aws"],
            },
        ],
        "operators": [
            {"integration-name": "Dataduct", "python-modules": _OPERATOR_MODULES},
        ],
        "sensors": [
            {
                "integration-name": "Dataduct",
                "python-modules": ["airflow_dataduct.operators.dependencies"],
            }
        ],
    }
