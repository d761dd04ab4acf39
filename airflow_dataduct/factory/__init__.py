"""From validated pipelines to Airflow DAGs: opening a definitions folder, the parse cache, the
DAG assembly and its operations (schedule, retries, alerts, assets), and the loader that the
DAG files call."""
