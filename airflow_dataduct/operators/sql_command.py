"""``sql-command`` and ``create-update-sql``: user SQL run on the warehouse (docs/steps.md)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.errors import StepFailed
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.sql.ddl import create_table_sql
from airflow_dataduct.sql.identifiers import Dialect, quote_literal
from airflow_dataduct.sql.script import bind_arguments, split_statements
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


class SqlScriptOperator(WarehouseOperator):
    """Run a SQL script: comments and BEGIN/COMMIT removed, split into statements, with
    ``script_arguments`` bound to its ``%s`` placeholders in order (never interpolated).

    Plus the arguments of :class:`WarehouseOperator`.

    :param sql: the SQL script (one or more statements), templated.
    :param script_arguments: values bound to the script's ``%s`` placeholders, in order (their
        number must match); templated. None (the default): the statements run unbound, so a
        literal ``%`` needs no doubling.
    """

    template_fields: Sequence[str] = ("sql", "script_arguments")
    template_fields_renderers = {"sql": "sql"}
    step_type = "sql"

    def __init__(
        self, *, sql: str, script_arguments: Sequence[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.script_arguments = list(script_arguments) if script_arguments else None

    def statements(self) -> list[tuple[str, tuple[str, ...] | None]]:
        """The script's statements with their bound arguments."""
        statements = split_statements(self.sql)
        if not statements:
            raise StepFailed(self.task_id, self.step_type, "the SQL has no statement")
        try:
            return bind_arguments(statements, self.script_arguments)
        except ValueError as exc:
            raise StepFailed(self.task_id, self.step_type, exc) from None


class SqlCommandOperator(SqlScriptOperator):
    """``sql-command``: the script in one transaction (``wrap_transaction``, the default) or
    statement by statement; ``queue`` sets the Redshift WLM query group for the session.

    Not SQLExecuteQueryOperator: the warehouse's hook, search path and dialect are picked by
    connection type, and arguments are bound per statement inside one transaction.

    Plus the arguments of :class:`SqlScriptOperator` and :class:`WarehouseOperator`.

    :param queue: the Redshift WLM query group set for the session (``SET query_group``);
        logged and ignored on PostgreSQL. None (the default): none.
    :param wrap_transaction: run the whole script in one transaction (the default); False:
        each statement commits on its own.
    """

    step_type = "sql-command"

    def __init__(
        self, *, queue: str | None = None, wrap_transaction: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.queue = queue
        self.wrap_transaction = wrap_transaction

    def session_statements(self, dialect: Dialect) -> list[str]:
        """``SET query_group`` on Redshift; PostgreSQL has no WLM queues."""
        if not self.queue:
            return []
        if dialect is Dialect.REDSHIFT:
            return [f"SET query_group TO {quote_literal(self.queue)}"]
        log.info("queue %r ignored: PostgreSQL has no WLM query groups", self.queue)
        return []

    def execute(self, context: Any) -> dict[str, Any]:
        statements = self.session_statements(self.warehouse.dialect) + self.statements()
        try:
            counts = self.warehouse.run_statements(statements, transactional=self.wrap_transaction)
        except Exception as exc:
            raise StepFailed(self.task_id, self.step_type, exc) from exc
        return {"statements": len(counts), "rowcounts": counts}


class CreateUpdateSqlOperator(SqlScriptOperator):
    """``create-update-sql``: create ``table`` when missing (with GRANTs), run the script in
    the same transaction (or statement by statement with ``non_transactional``), then
    ``ANALYZE`` the table after the commit.

    The ``CREATE TABLE`` is shown as the templated ``create_sql``. Plus the arguments of
    :class:`SqlScriptOperator` and :class:`WarehouseOperator`.

    :param table: the table definition: created when missing (with the GRANTs of
        ``permissions``), else its columns must match; not templated.
    :param analyze_table: ``ANALYZE`` ``table`` after the commit (default True).
    :param non_transactional: run each statement in its own transaction, as Dataduct did;
        default False: all in one.
    """

    template_fields: Sequence[str] = ("sql", "script_arguments", "create_sql")
    template_fields_renderers = {"sql": "sql", "create_sql": "sql"}
    step_type = "create-update-sql"

    def __init__(
        self,
        *,
        table: Table,
        analyze_table: bool = True,
        non_transactional: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.analyze_table = analyze_table
        self.non_transactional = non_transactional
        self.create_sql = ""

    def prepare_sql(self, dialect: Dialect) -> None:
        self.create_sql = create_table_sql(self.table, dialect)

    def execute(self, context: Any) -> dict[str, Any]:
        statements = self.statements()
        try:
            counts = self.warehouse.run_statements(
                statements, create=self.table, transactional=not self.non_transactional
            )
        except Exception as exc:
            raise StepFailed(self.task_id, self.step_type, exc) from exc
        if self.analyze_table:
            self.warehouse.analyze(self.table)
        self.record_write(
            context,
            self.table.full_name,
            statements=len(counts),
            rows_affected=sum(c for c in counts if c > 0),
        )
        return {"table": self.table.full_name, "rowcounts": counts}
