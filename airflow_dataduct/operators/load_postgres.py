"""``load-postgres``: insert staged rows into the ``postgres`` database (spec §3.7).

Dataduct's ``insert_query`` is a JDBC statement with ``?`` placeholders run once per row.
Here it runs with psycopg's ``executemany`` (pipelined) in batches of bounded size, all in one
transaction: a bad row fails the step and nothing is committed. Generic, so the query may
compute or reorder columns; a streaming COPY would need the columns' types up front.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator

from airflow_dataduct.errors import StepFailed
from airflow_dataduct.hooks import is_postgres, source_hook
from airflow_dataduct.interchange import parse_records
from airflow_dataduct.operators.staged_input import StagedInputMixin
from airflow_dataduct.sql.load_modes import qmark_to_format
from airflow_dataduct.sql.script import placeholder_count, split_statements

log = logging.getLogger(__name__)

BATCH_ROWS = 5_000


class LoadPostgresOperator(StagedInputMixin, BaseOperator):
    """Run ``insert_query`` for every staged row of the input step, in one transaction."""

    template_fields: Sequence[str] = ("staging_prefix", "input_uri", "insert_sql")
    template_fields_renderers = {"insert_sql": "sql"}
    template_ext: Sequence[str] = ()
    ui_color = "#d9e8fb"

    def __init__(
        self,
        *,
        table: str,
        insert_query: str,
        conn_id: str,
        batch_rows: int = BATCH_ROWS,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.insert_sql = qmark_to_format(split_statements(insert_query)[0])
        self.conn_id = conn_id
        self.batch_rows = batch_rows

    def execute(self, context: Any) -> dict[str, Any]:
        store, manifest = self.read_input()
        log.info("Inserting %s into %s", self.input_description(store, manifest), self.table)
        width = placeholder_count(self.insert_sql)
        if manifest.columns and len(manifest.columns) != width:
            raise StepFailed(
                self.task_id,
                "load-postgres",
                f"insert_query has {width} placeholder(s) but the staged data has "
                f"{len(manifest.columns)} columns ({', '.join(manifest.columns)})",
            )
        hook = source_hook(self.conn_id)
        if not is_postgres(hook):
            raise StepFailed(self.task_id, "load-postgres", f"{self.conn_id} is not PostgreSQL")
        try:
            inserted = self._insert(hook, store.iter_records(manifest), width)
        except Exception as exc:
            raise StepFailed(self.task_id, "load-postgres", exc) from exc
        log.info("Inserted %s rows into %s", f"{inserted:,}", self.table)
        self.finish_input(store)
        return {"table": self.table, "rows": inserted}

    def _insert(self, hook: Any, chunks: Any, width: int) -> int:
        rows = parse_records(chunks)
        inserted = 0
        with contextlib.closing(hook.get_conn()) as conn:
            conn.autocommit = False
            try:
                with conn.cursor() as cursor:
                    while batch := list(itertools.islice(rows, self.batch_rows)):
                        bad = next((r for r in batch if len(r) != width), None)
                        if bad is not None:
                            raise ValueError(
                                f"row {inserted + batch.index(bad) + 1} has {len(bad)} fields, "
                                f"insert_query takes {width}"
                            )
                        cursor.executemany(self.insert_sql, batch)
                        inserted += len(batch)
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        return inserted
