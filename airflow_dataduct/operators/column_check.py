"""``column-check``: a sample of source rows must have the same values in the warehouse."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.connections.hooks import is_mysql, source_hook
from airflow_dataduct.errors import ColumnCheckError
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.operators.checks import report
from airflow_dataduct.qa.compare import Comparison, compare_rows
from airflow_dataduct.qa.history import first_table
from airflow_dataduct.qa.outcome import QaPolicy, finish_check
from airflow_dataduct.sql.column_check import KEYS_PER_QUERY, bind_key_set, destination_table_sql
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)

MYSQL_BIT = 16
Row = tuple[Any, ...]


class ColumnCheckOperator(WarehouseOperator):
    """Compare a sample of the source query's rows with the warehouse rows of the same keys.

    The source sample is ``source_sample_sql``; its key columns are at ``key_positions``. The
    warehouse query returns the key columns first, then the value columns, for the keys bound
    in place of ``PRIMARY_KEY_SET``. Values are normalised before comparing
    (:mod:`airflow_dataduct.qa.compare`). Missing keys are counted, not compared. Plus the
    arguments of :class:`WarehouseOperator`.

    :param source_conn_id: the Airflow connection of the source database (any SQL connection:
        PostgreSQL, MySQL, ...).
    :param source_sample_sql: the sample query on the source, templated. With
        ``destination_table`` it returns every column of the table, in table order (matched by
        position); with ``destination_sql``, the ``destination_key_count`` key columns first,
        then the value columns.
    :param tolerance: the largest share of compared rows that may differ, in percent.
    :param test_name: the check's name in its result, log lines and alerts
        (``<pipeline>.<step>``).
    :param destination_table: the warehouse table definition; its rows are read by primary
        key, one column per source column. Exactly one of ``destination_table`` and
        ``destination_sql``.
    :param destination_sql: a warehouse query returning the key columns, then one value (the
        source's value columns are concatenated to match it), filtered by ``PRIMARY_KEY_SET``;
        templated (with ``destination_table`` the field shows the query made from it).
    :param destination_key_count: with ``destination_sql``, how many leading columns are the
        key; None (the default): 1.
    :param qa_policy: what a failed check does (fail, or warn and carry on) and where the
        result is recorded (history table, ``log_to_s3``); None (the default): a failed check
        fails the task without retry and nothing is recorded.
    """

    template_fields: Sequence[str] = ("source_sample_sql", "destination_sql")
    template_fields_renderers = {"source_sample_sql": "sql", "destination_sql": "sql"}
    ui_color = "#fdf1d6"

    def __init__(
        self,
        *,
        source_conn_id: str,
        source_sample_sql: str,
        tolerance: float,
        test_name: str,
        destination_table: Table | None = None,
        destination_sql: str | None = None,
        destination_key_count: int | None = None,
        qa_policy: QaPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (destination_table is None) == (destination_sql is None):
            raise ValueError("give exactly one of destination_table and destination_sql")
        self.source_conn_id = source_conn_id
        self.source_sample_sql = source_sample_sql
        self.tolerance = tolerance
        self.test_name = test_name
        self.destination_table = destination_table
        self.destination_sql = destination_sql or destination_table_sql(destination_table)  # type: ignore[arg-type]
        self.destination_key_count = destination_key_count
        self.qa_policy = qa_policy

    # --- the two reads ---------------------------------------------------------------------

    def read_source(self) -> tuple[list[str], list[Row]]:
        """The sampled rows and their column names; MySQL ``BIT`` values as integers."""
        hook = source_hook(self.source_conn_id)
        with contextlib.closing(hook.get_conn()) as conn:
            cursor = conn.cursor()
            try:
                cursor.execute(self.source_sample_sql)
                names = [d[0] for d in cursor.description]
                bits = [d[1] == MYSQL_BIT for d in cursor.description] if is_mysql(hook) else []
                rows = [tuple(r) for r in cursor.fetchall()]
            finally:
                cursor.close()
        if any(bits):
            rows = [tuple(_bit(v) if b else v for v, b in zip(r, bits, strict=True)) for r in rows]
        return names, rows

    def read_destination(self, keys: list[Row]) -> list[Row]:
        """The warehouse rows of ``keys``, in batches of bound parameters."""
        found: list[Row] = []
        with self.warehouse.transaction() as cursor:
            cursor.execute("SET timezone TO 'UTC'")  # PostgreSQL and Redshift alike
            for start in range(0, len(keys), KEYS_PER_QUERY):
                batch = keys[start : start + KEYS_PER_QUERY]
                sql = bind_key_set(self.destination_sql, len(batch), len(batch[0]))
                cursor.execute(sql, [v for key in batch for v in key])
                found += [tuple(r) for r in cursor.fetchall()]
        return found

    # --- lining them up --------------------------------------------------------------------

    def key_positions(self, width: int) -> list[int]:
        """Where the key columns are in a source row of ``width`` columns."""
        table = self.destination_table
        if table is not None:
            if width != len(table.columns):
                raise ColumnCheckError(
                    f"{self.test_name}: the source query returns {width} columns but "
                    f"{table.full_name} has {len(table.columns)}; they are matched by position"
                )
            # in primary key order, as the warehouse query selects them
            return [table.column_names.index(key) for key in table.primary_key]
        keys = self.destination_key_count or 1
        if width <= keys:
            raise ColumnCheckError(
                f"{self.test_name}: the source query returns {width} columns; it needs the "
                f"{keys} key column(s) first, then at least one value column"
            )
        return list(range(keys))

    def compare(self, names: list[str], rows: list[Row]) -> Comparison:
        width = len(names)
        key_at = self.key_positions(width)
        value_at = [i for i in range(width) if i not in key_at]
        source = [(tuple(r[i] for i in key_at), tuple(r[i] for i in value_at)) for r in rows]
        keys = [key for key, _ in source if None not in key]
        destination = self.read_destination(list(dict.fromkeys(keys))) if keys else []
        split = len(key_at)
        expected = split + (len(value_at) if self.destination_table is not None else 1)
        if destination and len(destination[0]) != expected:
            raise ColumnCheckError(
                f"{self.test_name}: the warehouse query returns {len(destination[0])} columns; "
                f"expected {split} key column(s) and {expected - split} value column(s)"
            )
        concatenate = self.destination_table is None and len(value_at) > 1
        return compare_rows(
            source,
            [(r[:split], r[split:]) for r in destination],
            [names[i] for i in value_at],
            concatenate=concatenate,
        )

    # --- the check -------------------------------------------------------------------------

    def execute(self, context: Any) -> dict[str, Any]:
        names, rows = self.read_source()
        found = self.compare(names, rows)
        rate = found.error_rate()
        if found.sampled == 0:
            rate = 0.0  # an empty source: nothing to compare (count-check covers emptiness)
        success = rate is not None and rate <= self.tolerance
        table = self.destination_table
        result = report(
            {
                "check": "column-check",
                "test_name": self.test_name,
                "table": table.full_name if table else first_table(self.destination_sql),
                "sampled": found.sampled,
                "compared": found.compared,
                "missing_in_destination": found.missing,
                "mismatches": found.mismatches,
                "mismatched_columns": found.mismatched_columns,
                "error_rate": rate,
                "tolerance": self.tolerance,
                "success": success,
            }
        )
        for example in found.examples:
            log.warning("%s mismatch: %s", self.test_name, example)
        return finish_check(
            result=result,
            summary=self._summary(found, rate),
            policy=self.qa_policy,
            warehouse=self.warehouse,
            context=context,
        )

    def _summary(self, found: Comparison, rate: float | None) -> str:
        if found.sampled and rate is None:
            return (
                f"{self.test_name}: none of the {found.sampled:,} sampled source keys is in the "
                "warehouse, so no value could be compared"
            )
        first = f"; first: {found.examples[0]}" if found.examples else ""
        return (
            f"{self.test_name}: {found.mismatches:,} of {found.compared:,} compared rows differ "
            f"({found.sampled:,} sampled, {found.missing:,} not in the warehouse), error rate "
            f"{rate or 0.0:.4f}%, tolerance {self.tolerance}%{first}"
        )


def _bit(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return int.from_bytes(bytes(value), "big")
    return value
