"""``load-postgres``: insert staged rows into the ``postgres`` database (docs/steps.md).

Dataduct's ``insert_query`` is a JDBC statement with ``?`` placeholders run once per row. Here
the rows stream by ``COPY`` into a temporary table whose columns have the types PostgreSQL
infers for the placeholders (``PREPARE``), and the statement runs once as ``INSERT ... SELECT``
from it, all in one transaction: a bad row fails the step and nothing is committed, and memory
does not grow with the input. The query may still compute or reorder values (``lower(?)``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator

from airflow_dataduct.connections.hooks import POSTGRES_TYPES, connection_type
from airflow_dataduct.connections.warehouse import Warehouse
from airflow_dataduct.errors import StepFailed
from airflow_dataduct.operators.staged_input import StagedInputMixin
from airflow_dataduct.sql.load_modes import (
    LOAD_ROWS,
    insert_select_sql,
    load_rows_table_sql,
    numbered_placeholders,
    placeholder_marks,
)
from airflow_dataduct.sql.script import split_statements
from airflow_dataduct.staging.manifest import Manifest
from airflow_dataduct.staging.store import StagingStore
from airflow_dataduct.tables.model import Column, Table

log = logging.getLogger(__name__)

PREPARED = "dataduct_insert_query"
PARAMETER_TYPES_SQL = (
    f"SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = '{PREPARED}'"
)


class LoadPostgresOperator(StagedInputMixin, BaseOperator):
    """Run ``insert_query`` for every staged row of the input step, in one transaction.

    Plus the arguments of :class:`~airflow_dataduct.operators.staged_input.StagedInputMixin`.

    :param table: the table written, as the step names it (``schema.table``): for the log
        and the task's result; ``insert_query`` says where the rows go.
    :param insert_query: Dataduct's ``INSERT`` with one ``?`` placeholder per staged column
        (only its first statement is used). Not templated itself: the statement that runs is
        shown as the templated ``insert_sql`` (``INSERT ... SELECT``).
    :param conn_id: the Airflow connection of the target database (``postgres.conn_id``);
        any type but PostgreSQL fails the step.
    """

    template_fields: Sequence[str] = ("staging_prefix", "input_uri", "insert_sql")
    template_fields_renderers = {"insert_sql": "sql"}
    template_ext: Sequence[str] = ()
    ui_color = "#d9e8fb"

    def __init__(self, *, table: str, insert_query: str, conn_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        statement = split_statements(insert_query)[0]
        self.prepared_sql = f"PREPARE {PREPARED} AS {numbered_placeholders(statement)}"
        """Only to learn the placeholders' types: PostgreSQL infers them from the statement."""
        self.insert_sql = insert_select_sql(statement)
        """What runs once the rows are copied: the query as ``INSERT ... SELECT``."""
        self.width = placeholder_marks(statement)
        self.conn_id = conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        store, manifest = self.read_input()
        log.info("Inserting %s into %s", self.input_description(store, manifest), self.table)
        if manifest.columns and len(manifest.columns) != self.width:
            raise StepFailed(
                self.task_id,
                "load-postgres",
                f"insert_query has {self.width} placeholder(s) but the staged data has "
                f"{len(manifest.columns)} columns ({', '.join(manifest.columns)})",
            )
        if connection_type(self.conn_id) not in POSTGRES_TYPES:
            raise StepFailed(self.task_id, "load-postgres", f"{self.conn_id} is not PostgreSQL")
        database = Warehouse(self.conn_id)
        try:
            staged, inserted = self._insert(database, store, manifest)
        except Exception as exc:
            raise StepFailed(self.task_id, "load-postgres", exc) from exc
        log.info("Inserted %s rows into %s (%s staged)", f"{inserted:,}", self.table, staged)
        self.finish_input(store)
        return {"table": self.table, "rows": inserted, "staged_rows": staged}

    def _insert(
        self, database: Warehouse, store: StagingStore, manifest: Manifest
    ) -> tuple[int, int]:
        """Copy the rows into the temporary table, then insert them; (staged, inserted)."""
        with database.transaction() as cursor:
            cursor.execute(self.prepared_sql)
            cursor.execute(PARAMETER_TYPES_SQL)
            types = list(cursor.fetchone()[0])
            cursor.execute(f"DEALLOCATE {PREPARED}")
            cursor.execute(load_rows_table_sql(types))
            rows = Table(schema=None, name=LOAD_ROWS, columns=_columns(len(types)))
            staged = database.copy_staged(cursor, rows, store, manifest)
            cursor.execute(self.insert_sql)
            return staged, cursor.rowcount


def _columns(count: int) -> tuple[Column, ...]:
    return tuple(Column(f"c{i}", "", i) for i in range(1, count + 1))
