"""QA check SQL (docs/steps.md): computed in the databases, never by moving rows."""

from __future__ import annotations

from airflow_dataduct.sql.identifiers import column_list, quote_qualified, table_ref
from airflow_dataduct.sql.text import strip_statement, subquery
from airflow_dataduct.tables.model import Table

SAMPLE_KEYS = 10
"""How many offending keys a failed primary-key check reports."""


def duplicate_summary_sql(table: Table) -> str:
    """One row: the number of primary key values that repeat, and the surplus rows they make."""
    keys = column_list(table.primary_key)
    return (
        "SELECT COUNT(*) AS duplicated_keys, COALESCE(SUM(copies) - COUNT(*), 0) AS surplus_rows "
        f"FROM (SELECT COUNT(*) AS copies FROM {table_ref(table)} GROUP BY {keys} "
        "HAVING COUNT(*) > 1) AS duplicates"
    )


def duplicate_sample_sql(table: Table, limit: int = SAMPLE_KEYS) -> str:
    """The first ``limit`` repeated primary key values, most repeated first."""
    keys = column_list(table.primary_key)
    return (
        f"SELECT {keys}, COUNT(*) AS copies FROM {table_ref(table)} GROUP BY {keys} "
        f"HAVING COUNT(*) > 1 ORDER BY copies DESC, {keys} LIMIT {int(limit)}"
    )


def count_sql(
    sql: str | None = None, table_name: str | None = None, count_sql_text: str | None = None
) -> str:
    """Dataduct's count query from exactly one of a SELECT, a table name or a count query."""
    if count_sql_text is not None:
        return strip_statement(count_sql_text)
    if table_name is not None:
        return f"SELECT COUNT(*) FROM {quote_qualified(table_name)}"
    if sql is None:
        raise ValueError("one of sql, table_name or count_sql_text is needed")
    return f"SELECT COUNT(*) FROM {subquery(sql)} AS dataduct_count"


def dataduct_count_sql(
    sql: str | None = None, table_name: str | None = None, count_sql_text: str | None = None
) -> str:
    """The count query as Dataduct passed it to a count-check program (docs/steps.md):
    ``SELECT COUNT(1) FROM <name>;``, ``SELECT COUNT(1) FROM (<sql>)a;`` or the count query."""
    if count_sql_text is not None:
        return strip_statement(count_sql_text) + ";"
    if table_name is not None:
        return f"SELECT COUNT(1) FROM {table_name};"
    if sql is None:
        raise ValueError("one of sql, table_name or count_sql_text is needed")
    return f"SELECT COUNT(1) FROM ({strip_statement(sql)})a;"


def count_table_sql(table: Table) -> str:
    """Count the rows of a table definition's table."""
    return f"SELECT COUNT(*) FROM {table_ref(table)}"


def error_rate(source_count: int, destination_count: int) -> float | None:
    """Dataduct's count-check error rate in percent; None when the source is empty but not the
    destination (no finite rate: the check fails)."""
    if source_count == destination_count:
        return 0.0
    if source_count == 0:
        return None
    return abs(source_count - destination_count) * 100.0 / source_count
