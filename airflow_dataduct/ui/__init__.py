"""The Data Quality view: an Airflow 3 plugin (FastAPI app and external views) over the QA
history table, registered through the package's ``airflow.plugins`` entry point.

It sits above connections/ and qa/ and reads no pipeline definition: where the history lives
comes from Airflow's configuration (:mod:`airflow_dataduct.ui.settings`).
"""
