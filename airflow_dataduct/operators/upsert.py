"""``upsert``: merge a source table into a destination by primary key, in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.upsert import UpsertOptions, upsert_statements
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


class UpsertOperator(WarehouseOperator):
    """Run Dataduct's upsert (spec §5.3, with a deterministic duplicate rule) in one transaction.

    The destination is created from its definition when missing; its rows matching the
    source's primary keys are replaced (all rows with ``delete_existing``), then it is
    analyzed after the commit when ``analyze_table`` is set.
    """

    template_fields: Sequence[str] = ("sql",)
    template_fields_renderers = {"sql": "sql"}

    def __init__(
        self,
        *,
        source: Table,
        destination: Table,
        options: UpsertOptions | None = None,
        analyze_table: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.destination = destination
        self.options = options or UpsertOptions()
        self.analyze_table = analyze_table
        self.sql: list[str] = []

    def prepare_sql(self, dialect: Dialect) -> None:
        self.sql = upsert_statements(self.source, self.destination, self.options, dialect)

    def execute(self, context: Any) -> dict[str, Any]:
        counts = self.warehouse.run_statements(
            self.sql, lock=self.destination, create=self.destination
        )
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
        return {
            "table": self.destination.full_name,
            "source_rows": staged,
            "deleted": deleted,
            "inserted": inserted,
        }
