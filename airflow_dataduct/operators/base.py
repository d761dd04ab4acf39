"""What the warehouse operators share: the connection, and SQL prepared for its dialect."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator

from airflow_dataduct.connections.warehouse import Warehouse
from airflow_dataduct.sql.identifiers import Dialect


class WarehouseOperator(BaseOperator):
    """An operator whose SQL depends on the warehouse dialect.

    The dialect is the warehouse connection's type, known only where the task runs, so the SQL
    is generated just before template rendering: the rendered templates show what really ran.

    :param warehouse_conn_id: the Airflow connection of the warehouse (``warehouse.conn_id``):
        type ``redshift`` or ``postgres`` (the local stand-in); the type picks the SQL dialect.
    :param search_path: schemas set as each session's ``search_path``, in order; empty (the
        default) keeps the connection's own.
    :param permissions: ``database.permissions`` entries (each a ``permission`` and a ``user``
        or a ``group``), granted on every table the task creates; empty (the default): no
        GRANT.
    """

    template_ext: Sequence[str] = ()
    ui_color = "#d9e8fb"

    def __init__(
        self,
        *,
        warehouse_conn_id: str,
        search_path: Sequence[str] = (),
        permissions: Sequence[Any] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.warehouse_conn_id = warehouse_conn_id
        self.search_path = tuple(search_path)
        self.permissions = tuple(permissions)
        """``database.permissions``: GRANTs on every table the task creates."""
        self._warehouse: Warehouse | None = None

    @property
    def warehouse(self) -> Warehouse:
        if self._warehouse is None:
            self._warehouse = Warehouse(self.warehouse_conn_id, self.search_path, self.permissions)
        return self._warehouse

    def prepare_sql(self, dialect: Dialect) -> None:
        """Fill the SQL template fields for ``dialect``."""

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        self.prepare_sql(self.warehouse.dialect)
        super().render_template_fields(context, jinja_env)

    def record_write(self, context: Mapping[str, Any], table: str, **counts: Any) -> None:
        """Put ``counts`` (rows loaded, inserted, deleted...) and the run on the asset event
        this task emits for warehouse table ``table``, so the Assets page shows them."""
        events = context.get("outlet_events")
        if events is None:
            return
        extra = {**counts, "run_id": context.get("run_id")}
        for asset in self.outlets:
            if getattr(asset, "name", None) == table.lower():
                events[asset].extra.update(extra)
