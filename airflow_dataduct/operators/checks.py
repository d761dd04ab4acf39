"""QA checks: ``primary-key-check`` and ``count-check``; counts computed in the databases."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.connections.hooks import connection_type, source_hook
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.qa.history import first_table
from airflow_dataduct.qa.outcome import QaPolicy, finish_check
from airflow_dataduct.sql.checks import (
    duplicate_sample_sql,
    duplicate_summary_sql,
    error_rate,
)
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.source import SourceDialect, count_source_table_sql
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


def report(result: dict[str, Any]) -> dict[str, Any]:
    """Log a check result as one structured line, and return it for XCom."""
    log.info("DATADUCT_QA %s", json.dumps(result, sort_keys=True, default=str))
    return result


class PrimaryKeyCheckOperator(WarehouseOperator):
    """Fail when any primary key value of ``table`` appears more than once.

    The duplicates are counted in the warehouse; the SQL is shown as the templated
    ``summary_sql`` and ``sample_sql``. Plus the arguments of :class:`WarehouseOperator`.

    :param table: the table definition whose ``primary_key`` is checked (a
        :class:`~airflow_dataduct.tables.model.Table`; not templated).
    :param test_name: the check's name in its result, log line and alerts
        (``<pipeline>.<step>``).
    :param qa_policy: what a failed check does (fail, or warn and carry on) and where the
        result is recorded (history table, ``log_to_s3``); None (the default): a failed check
        fails the task without retry and nothing is recorded.
    """

    template_fields: Sequence[str] = ("summary_sql", "sample_sql")
    template_fields_renderers = {"summary_sql": "sql", "sample_sql": "sql"}
    ui_color = "#fdf1d6"

    def __init__(
        self, *, table: Table, test_name: str, qa_policy: QaPolicy | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.test_name = test_name
        self.qa_policy = qa_policy
        self.summary_sql = ""
        self.sample_sql = ""

    def prepare_sql(self, dialect: Dialect) -> None:
        self.summary_sql = duplicate_summary_sql(self.table)
        self.sample_sql = duplicate_sample_sql(self.table)

    def execute(self, context: Any) -> dict[str, Any]:
        duplicated_keys, surplus_rows = self.warehouse.query(self.summary_sql)[0]
        result = report(
            {
                "check": "primary-key-check",
                "test_name": self.test_name,
                "table": self.table.full_name,
                "primary_key": list(self.table.primary_key),
                "duplicated_keys": int(duplicated_keys),
                "surplus_rows": int(surplus_rows),
                "tolerance": 0,
                "success": duplicated_keys == 0,
            }
        )
        summary = f"{self.test_name}: no duplicate key in {self.table.full_name}"
        if duplicated_keys:
            sample = self.warehouse.query(self.sample_sql)
            keys = "; ".join(f"({', '.join(map(repr, row[:-1]))}) x{row[-1]}" for row in sample)
            summary = (
                f"{self.test_name}: {duplicated_keys} primary key value(s) of "
                f"{self.table.full_name} ({', '.join(self.table.primary_key)}) repeat, "
                f"{surplus_rows} surplus row(s); first: {keys}"
            )
        return finish_check(
            result=result,
            summary=summary,
            policy=self.qa_policy,
            warehouse=self.warehouse,
            context=context,
        )


class CountCheckOperator(WarehouseOperator):
    """Fail when the source and warehouse row counts differ by more than ``tolerance`` percent.

    Plus the arguments of :class:`WarehouseOperator`.

    :param source_conn_id: the Airflow connection of the source database (any SQL connection:
        PostgreSQL, MySQL, ...).
    :param source_count_sql: a query on the source whose first row's first column is the row
        count, templated; replaced when ``source_table_name`` is given (pass ``""`` then).
    :param destination_count_sql: the same count in the warehouse, templated.
    :param tolerance: the largest error rate that passes, in percent:
        ``|source - warehouse| * 100 / source`` (an empty source passes only an empty
        warehouse).
    :param test_name: the check's name in its result, log line and alerts
        (``<pipeline>.<step>``).
    :param qa_policy: what a failed check does (fail, or warn and carry on) and where the
        result is recorded (history table, ``log_to_s3``); None (the default): a failed check
        fails the task without retry and nothing is recorded.
    :param source_table_name: a source table (``schema.table``, MySQL ``database.table``)
        counted with ``SELECT COUNT(*)``, quoted for the source's dialect when the task runs;
        None (the default): ``source_count_sql`` is used.
    """

    template_fields: Sequence[str] = ("source_count_sql", "destination_count_sql")
    template_fields_renderers = {"source_count_sql": "sql", "destination_count_sql": "sql"}
    ui_color = "#fdf1d6"

    def __init__(
        self,
        *,
        source_conn_id: str,
        source_count_sql: str,
        destination_count_sql: str,
        tolerance: float,
        test_name: str,
        qa_policy: QaPolicy | None = None,
        source_table_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.qa_policy = qa_policy
        self.source_conn_id = source_conn_id
        self.source_count_sql = source_count_sql
        self.source_table_name = source_table_name
        self.destination_count_sql = destination_count_sql
        self.tolerance = tolerance
        self.test_name = test_name

    def prepare_sql(self, dialect: Dialect) -> None:
        """Quote ``source_table_name`` for the SOURCE connection's dialect (MySQL: backticks)."""
        if self.source_table_name:
            source = SourceDialect.of_conn_type(connection_type(self.source_conn_id))
            self.source_count_sql = count_source_table_sql(self.source_table_name, source)

    def execute(self, context: Any) -> dict[str, Any]:
        source_count = int(source_hook(self.source_conn_id).get_first(self.source_count_sql)[0])
        destination_count = int(self.warehouse.query(self.destination_count_sql)[0][0])
        rate = error_rate(source_count, destination_count)
        success = rate is not None and rate <= self.tolerance
        result = report(
            {
                "check": "count-check",
                "test_name": self.test_name,
                "table": first_table(self.destination_count_sql),
                "source_count": source_count,
                "destination_count": destination_count,
                "error_rate": rate,
                "tolerance": self.tolerance,
                "success": success,
            }
        )
        shown = "undefined (empty source)" if rate is None else f"{rate:.4f}%"
        summary = (
            f"{self.test_name}: source {source_count:,} rows, warehouse {destination_count:,} "
            f"rows, error rate {shown}, tolerance {self.tolerance}%"
        )
        return finish_check(
            result=result,
            summary=summary,
            policy=self.qa_policy,
            warehouse=self.warehouse,
            context=context,
        )
