"""``upsert``: merge a source table into a destination by primary key, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.errors import StepFailed
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.script import bind_arguments, format_statements, split_statements
from airflow_dataduct.sql.upsert import UpsertOptions, upsert_statements
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


class UpsertOperator(WarehouseOperator):
    """Run Dataduct's upsert (with a deterministic duplicate rule) in one transaction.

    The destination is created from its definition when missing; its rows matching the
    source's primary keys are replaced (all rows with ``delete_existing``), then it is
    analyzed after the commit when ``analyze_table`` is set. The source is a table, or a
    SELECT (``sql``/``script``) whose ``%s`` placeholders take ``script_arguments``. With
    ``non_transactional`` each statement commits on its own, as in Dataduct.

    The statements are generated when the task runs and shown as the templated ``sql``. Plus
    the arguments of :class:`WarehouseOperator`.

    :param source: the source: a table definition, or the text of a SELECT; not templated.
    :param destination: the destination table definition (created when missing, with the
        GRANTs of ``permissions``); not templated.
    :param options: the upsert's keys (``enforce_primary_key``, ``delete_existing``,
        ``filter_clause``, ``history``); None (the default): Dataduct's defaults.
    :param analyze_table: ``ANALYZE`` the destination after the commit (default True).
    :param script_arguments: values bound to the SELECT's ``%s`` placeholders, in order;
        not templated. None (the default): the statements run unbound.
    :param non_transactional: run each statement in its own transaction, as Dataduct did;
        default False: all in one.
    """

    template_fields: Sequence[str] = ("sql",)
    template_fields_renderers = {"sql": "sql"}

    def __init__(
        self,
        *,
        source: Table | str,
        destination: Table,
        options: UpsertOptions | None = None,
        analyze_table: bool = True,
        script_arguments: Sequence[str] | None = None,
        non_transactional: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.script_arguments = list(script_arguments) if script_arguments else None
        self.non_transactional = non_transactional
        self.destination = destination
        self.options = options or UpsertOptions()
        self.analyze_table = analyze_table
        self.sql = ""
        """The statements as one formatted script, one paragraph each (Rendered Template)."""

    def prepare_sql(self, dialect: Dialect) -> None:
        statements = upsert_statements(self.source, self.destination, self.options, dialect)
        self.sql = format_statements(statements)

    def statements(self) -> list[str]:
        """The rendered statements, in order: temporary table, fill, delete, insert, ..."""
        return split_statements(self.sql)

    def execute(self, context: Any) -> dict[str, Any]:
        try:
            statements = bind_arguments(self.statements(), self.script_arguments)
            counts = self.warehouse.run_statements(
                statements,
                lock=self.destination,
                create=[self.destination, *filter(None, [self.options.history])],
                transactional=not self.non_transactional,
            )
        except Exception as exc:
            raise StepFailed(self.task_id, "upsert", exc) from exc
        staged, deleted, inserted = counts[1], counts[2], counts[3]
        log.info(
            "Upserted %s: %s source rows, %s replaced, %s inserted (%s new)",
            self.destination.full_name,
            f"{staged:,}",
            f"{deleted:,}",
            f"{inserted:,}",
            f"{inserted - deleted:,}",
        )
        if self.analyze_table:
            self.warehouse.analyze(self.destination)
        self.record_write(
            context,
            self.destination.full_name,
            source_rows=staged,
            rows_deleted=deleted,
            rows_inserted=inserted,
            rows_new=inserted - deleted,
        )
        return {
            "table": self.destination.full_name,
            "source_rows": staged,
            "deleted": deleted,
            "inserted": inserted,
        }
