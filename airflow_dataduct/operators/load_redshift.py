"""``load-redshift``: COPY staged rows into an existing warehouse table (docs/steps.md).

Every ``insert_mode`` runs in one transaction (holding a write lock on PostgreSQL; retried
after a serialization failure on Redshift), so a failed load leaves the table as it was:
``TRUNCATE`` replaces the rows, ``APPEND`` adds them, ``KEEP_EXISTING`` adds only rows with a
new primary key and ``OVERWRITE_EXISTING`` replaces rows whose key is staged and adds the rest
(both through a temporary table, using the table's declared key).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.connections.redshift import (
    check_postgres_copy_options,
    redacted_credentials,
    redshift_credentials,
)
from airflow_dataduct.connections.warehouse import check_loaded_count, clear_table_sql
from airflow_dataduct.errors import StepFailed
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.operators.staged_input import StagedInputMixin
from airflow_dataduct.sql.copy import CopyOptions, postgres_copy_from_stdin_sql, redshift_copy_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.load_modes import (
    create_load_temp_sql,
    load_temp_table,
    merge_statements,
)
from airflow_dataduct.staging.manifest import Manifest
from airflow_dataduct.staging.store import StagingStore
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


class LoadRedshiftOperator(StagedInputMixin, WarehouseOperator):
    """Load the step's input (see :mod:`~airflow_dataduct.operators.staged_input`) into
    ``schema.table`` with ``insert_mode``.

    The COPY is shown as the templated ``load_sql``. Plus the arguments of
    :class:`~airflow_dataduct.operators.staged_input.StagedInputMixin` and
    :class:`WarehouseOperator`.

    :param schema: the schema of the target table; not templated.
    :param table: the target table, which must exist (its columns and primary key are read
        from the catalog); not templated.
    :param insert_mode: ``TRUNCATE`` (the default: replace the rows), ``APPEND``,
        ``KEEP_EXISTING`` (add rows with a new primary key) or ``OVERWRITE_EXISTING``
        (replace rows whose key is staged, add the rest).
    :param max_errors: Redshift's ``MAXERROR``: how many rows COPY may reject (default 0);
        logged and ignored on PostgreSQL.
    :param replace_invalid_char: Redshift's ``ACCEPTINVCHARS``: the character replacing
        invalid UTF-8; None (the default): invalid UTF-8 fails. Ignored on PostgreSQL.
    :param compression: the compression the staged files must have (``gzip``, ``bzip2`` or
        ``lzo``), else the step fails (an ``input_path`` listing, ``auto``, passes); None (the
        default): whatever the input's manifest says.
    :param iam_role: the IAM role ARN Redshift uses to reach S3 (``warehouse.iam_role``);
        None (the default): the keys of ``aws_conn_id``, resolved on the worker and shown as
        ``<from connection>`` in the rendered SQL. Unused on PostgreSQL.
    :param s3_region: the staging bucket's region for ``REGION`` (``staging.region``), when it
        is not the cluster's; None (the default): no ``REGION``. Unused on PostgreSQL.
    """

    template_fields: Sequence[str] = ("staging_prefix", "input_uri", "restage_prefix", "load_sql")
    template_fields_renderers = {"load_sql": "sql"}

    def __init__(
        self,
        *,
        schema: str,
        table: str,
        insert_mode: str = "TRUNCATE",
        max_errors: int = 0,
        replace_invalid_char: str | None = None,
        compression: str | None = None,
        iam_role: str | None = None,
        s3_region: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.schema = schema
        self.table = table
        self.insert_mode = insert_mode
        self.max_errors = max_errors
        self.replace_invalid_char = replace_invalid_char
        self.compression = compression
        self.iam_role = iam_role
        self.s3_region = s3_region
        """``staging.region``: the staging bucket\'s region, for ``REGION``."""
        self.load_sql = ""

    def copy_options(self, compression: str) -> CopyOptions:
        return CopyOptions(
            compression=compression,
            max_errors=self.max_errors,
            replace_invalid_char=self.replace_invalid_char,
        )

    def _target_for_display(self) -> Table:
        return Table(schema=self.schema, name=self.table, columns=())

    def prepare_sql(self, dialect: Dialect) -> None:
        target = self._target_for_display()
        if self.insert_mode in ("KEEP_EXISTING", "OVERWRITE_EXISTING"):
            target = load_temp_table(target)
        if dialect is Dialect.REDSHIFT:
            options = self.shown_copy_options(self.copy_options(self.compression or "gzip"))
            credentials = redacted_credentials(self.iam_role, self.s3_region)
            sql = redshift_copy_sql(target, self.copy_manifest_uri, credentials, options)
        else:
            sql = postgres_copy_from_stdin_sql(target)
        self.load_sql = f"-- insert_mode {self.insert_mode}\n{sql.replace(' () ', ' ')}"

    def execute(self, context: Any) -> dict[str, Any]:
        store, manifest = self.read_input()
        log.info("Loading %s", self.input_description(store, manifest))
        if self.compression and manifest.compression not in (self.compression, "auto"):
            raise StepFailed(
                self.task_id,
                "load-redshift",
                f"compression is {self.compression} but the staged files are "
                f"{manifest.compression} ({store.uri(self.staging_prefix)})",
            )
        if self.warehouse.dialect is Dialect.POSTGRES:
            check_postgres_copy_options(self.copy_options("none"), self.task_id, "load-redshift")
        try:
            if self.warehouse.dialect is Dialect.REDSHIFT:
                options = self.copy_options(manifest.compression)
                manifest = self.redshift_input(store, manifest, options)
            loaded = self._load(store, manifest)
        except Exception as exc:
            raise StepFailed(self.task_id, "load-redshift", exc) from exc
        self.finish_input(store)
        log.info(
            "Loaded %s rows into %s.%s (%s)",
            f"{loaded:,}",
            self.schema,
            self.table,
            self.insert_mode,
        )
        table = f"{self.schema}.{self.table}" if self.schema else self.table
        self.record_write(context, table, rows_loaded=loaded, mode=self.insert_mode)
        return {"table": f"{self.schema}.{self.table}", "rows": loaded, "mode": self.insert_mode}

    def _copy_kwargs(self, manifest: Manifest) -> dict[str, Any]:
        if self.warehouse.dialect is not Dialect.REDSHIFT:
            return {}
        return {
            "credentials": redshift_credentials(self.iam_role, self.aws_conn_id, self.s3_region),
            "options": self.copy_options(manifest.compression),
        }

    def _load(self, store: StagingStore, manifest: Manifest) -> int:
        return self.warehouse.retrying(lambda: self._load_once(store, manifest))

    def _load_once(self, store: StagingStore, manifest: Manifest) -> int:
        dialect = self.warehouse.dialect
        copy = self._copy_kwargs(manifest)
        with self.warehouse.transaction() as cursor:
            target = self.warehouse.existing_table(cursor, self.schema, self.table)
            if manifest.columns and len(manifest.columns) != len(target.columns):
                raise ValueError(
                    f"staged data has {len(manifest.columns)} columns but {target.full_name} "
                    f"has {len(target.columns)} ({', '.join(target.column_names)})"
                )
            self.warehouse.lock(cursor, target)
            if self.insert_mode == "TRUNCATE":
                cursor.execute(clear_table_sql(target, dialect))
            if self.insert_mode in ("TRUNCATE", "APPEND"):
                loaded = self.warehouse.copy_staged(cursor, target, store, manifest, **copy)
            else:
                statements = merge_statements(target, self.insert_mode)
                cursor.execute(create_load_temp_sql(target))
                temp = load_temp_table(target)
                loaded = self.warehouse.copy_staged(cursor, temp, store, manifest, **copy)
                for sql in statements:
                    cursor.execute(sql)
            check_loaded_count(loaded, manifest, target, copy.get("options"))
        return loaded
