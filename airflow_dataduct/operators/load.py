"""``create-load-redshift``: create the table if missing and replace its rows atomically."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.connections.redshift import (
    check_postgres_copy_options,
    redacted_credentials,
    redshift_credentials,
)
from airflow_dataduct.errors import RedshiftCannotLoad, StepFailed
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.operators.staged_input import StagedInputMixin
from airflow_dataduct.sql.copy import (
    CopyOptions,
    postgres_copy_from_stdin_sql,
    redshift_copy_sql,
)
from airflow_dataduct.sql.ddl import create_table_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


class CreateLoadRedshiftOperator(StagedInputMixin, WarehouseOperator):
    """Load the input of the step (see :mod:`~airflow_dataduct.operators.staged_input`) into
    ``table``, replacing its rows.

    PostgreSQL: ``TRUNCATE`` and a streaming ``COPY ... FROM STDIN`` in one transaction.
    Redshift: ``DELETE`` and ``COPY ... FROM 's3://.../copy.manifest'`` in one transaction.
    Either way a failed load leaves the old rows, and the loaded row count must equal the
    staged one (when it was counted).

    The SQL is shown as the templated ``create_sql`` and ``load_sql``. Plus the arguments of
    :class:`~airflow_dataduct.operators.staged_input.StagedInputMixin` and
    :class:`WarehouseOperator`.

    :param table: the table definition: created when missing (with the GRANTs of
        ``permissions``), else its columns must match; then its rows are replaced. Not
        templated.
    :param iam_role: the IAM role ARN Redshift uses to reach S3 (``warehouse.iam_role``);
        None (the default): the keys of ``aws_conn_id``, resolved on the worker and shown as
        ``<from connection>`` in the rendered SQL. Unused on PostgreSQL.
    :param s3_region: the staging bucket's region for ``REGION`` (``staging.region``), when it
        is not the cluster's; None (the default): no ``REGION``. Unused on PostgreSQL.
    :param copy_options: Redshift COPY options from the load runner's ``script_arguments``;
        None (the default): the standard options. On PostgreSQL, options that change how the
        files are read fail the step; ``MAXERROR`` and ``ACCEPTINVCHARS`` are logged and
        skipped.
    :param recreate_table: ``--force_drop_table``: drop and re-create the table in the load's
        transaction; default False.
    """

    template_fields: Sequence[str] = (
        "staging_prefix",
        "input_uri",
        "restage_prefix",
        "create_sql",
        "load_sql",
    )
    template_fields_renderers = {"create_sql": "sql", "load_sql": "sql"}

    def __init__(
        self,
        *,
        table: Table,
        iam_role: str | None = None,
        s3_region: str | None = None,
        copy_options: CopyOptions | None = None,
        recreate_table: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.iam_role = iam_role
        self.s3_region = s3_region
        """``staging.region``: the staging bucket\'s region, for ``REGION``."""
        self.copy_options = copy_options
        """Redshift COPY options from the load runner's ``script_arguments``."""
        self.recreate_table = recreate_table
        """``--force_drop_table``: drop and re-create the table in the load's transaction."""
        self.create_sql = ""
        self.load_sql = ""

    def prepare_sql(self, dialect: Dialect) -> None:
        self.create_sql = create_table_sql(self.table, dialect)
        if dialect is Dialect.REDSHIFT:
            self.load_sql = redshift_copy_sql(
                self.table,
                self.copy_manifest_uri,
                redacted_credentials(self.iam_role, self.s3_region),
                self.shown_copy_options(self.copy_options),
            )
        else:
            self.load_sql = postgres_copy_from_stdin_sql(self.table)

    def execute(self, context: Any) -> dict[str, Any]:
        store, manifest = self.read_input()
        log.info(
            "Loading %s into %s", self.input_description(store, manifest), self.table.full_name
        )
        extra: dict[str, Any] = {}
        if self.warehouse.dialect is Dialect.REDSHIFT:
            extra["credentials"] = redshift_credentials(
                self.iam_role, self.aws_conn_id, self.s3_region
            )
            extra["options"] = self.copy_options
            try:
                manifest = self.redshift_input(store, manifest, self.copy_options)
            except RedshiftCannotLoad as exc:
                raise StepFailed(self.task_id, "create-load-redshift", exc) from exc
        else:
            check_postgres_copy_options(self.copy_options, self.task_id, "create-load-redshift")
        loaded = self.warehouse.replace_contents(
            self.table, store, manifest, recreate=self.recreate_table, **extra
        )
        log.info("Replaced the contents of %s with %s rows", self.table.full_name, f"{loaded:,}")
        self.finish_input(store)
        self.record_write(context, self.table.full_name, rows_loaded=loaded, replaced=True)
        return {"table": self.table.full_name, "rows": loaded}
