"""Connections by Airflow connection type: hooks, the warehouse session, Redshift credentials."""
