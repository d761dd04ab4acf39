"""``airflow-dataduct``: the command line (validate, render, graph, new, database)."""
