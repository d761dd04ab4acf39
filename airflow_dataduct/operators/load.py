"""``create-load-redshift``: create the table if missing and replace its rows atomically."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.operators.redshift import redacted_credentials, redshift_credentials
from airflow_dataduct.sql.copy import (
    CopyOptions,
    postgres_copy_from_stdin_sql,
    redshift_copy_sql,
)
from airflow_dataduct.sql.ddl import create_table_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.staging import Manifest, StagingStore, hadoop_output_manifest, open_store
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


class CreateLoadRedshiftOperator(WarehouseOperator):
    """Load the staged output of an upstream step into ``table``, replacing its rows.

    PostgreSQL: ``TRUNCATE`` and a streaming ``COPY ... FROM STDIN`` in one transaction.
    Redshift: ``DELETE`` and ``COPY ... FROM 's3://.../copy.manifest'`` in one transaction.
    Either way a failed load leaves the old rows, and the loaded row count must equal the
    staged one.
    """

    template_fields: Sequence[str] = ("staging_prefix", "create_sql", "load_sql")
    template_fields_renderers = {"create_sql": "sql", "load_sql": "sql"}

    def __init__(
        self,
        *,
        table: Table,
        staging_location: str,
        staging_prefix: str,
        aws_conn_id: str = "aws_default",
        iam_role: str | None = None,
        remove_staged: bool = False,
        input_layout: str = "manifest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if input_layout not in ("manifest", "hadoop"):
            raise ValueError(f"input_layout must be 'manifest' or 'hadoop', not {input_layout!r}")
        self.input_layout = input_layout
        """``manifest``: an extract's staged parts; ``hadoop``: an EMR job's part files."""
        self.remove_staged = remove_staged
        self.table = table
        self.staging_location = staging_location
        self.staging_prefix = staging_prefix
        self.aws_conn_id = aws_conn_id
        self.iam_role = iam_role
        self.create_sql = ""
        self.load_sql = ""

    def prepare_sql(self, dialect: Dialect) -> None:
        self.create_sql = create_table_sql(self.table, dialect)
        if dialect is Dialect.REDSHIFT:
            uri = f"{self.staging_location}/{self.staging_prefix}/copy.manifest"
            self.load_sql = redshift_copy_sql(self.table, uri, redacted_credentials(self.iam_role))
        else:
            self.load_sql = postgres_copy_from_stdin_sql(self.table)

    def execute(self, context: Any) -> dict[str, Any]:
        store = open_store(self.staging_location, self.aws_conn_id)
        manifest = self._input_manifest(store)
        log.info(
            "Loading %s staged rows in %s part(s) from %s into %s",
            f"{manifest.rows:,}" if manifest.rows >= 0 else "the",
            len(manifest.parts),
            store.uri(self.staging_prefix),
            self.table.full_name,
        )
        extra: dict[str, Any] = {}
        if self.warehouse.dialect is Dialect.REDSHIFT:
            extra["credentials"] = redshift_credentials(self.iam_role, self.aws_conn_id)
            if self.input_layout == "hadoop":
                extra["options"] = self._publish_copy_manifest(store, manifest)
        loaded = self.warehouse.replace_contents(self.table, store, manifest, **extra)
        log.info("Replaced the contents of %s with %s rows", self.table.full_name, f"{loaded:,}")
        if self.remove_staged:
            self._remove_staged(store)
        return {"table": self.table.full_name, "rows": loaded}

    def _input_manifest(self, store: StagingStore) -> Manifest:
        if self.input_layout == "hadoop":
            return hadoop_output_manifest(store, self.staging_prefix)
        return store.read_manifest(self.staging_prefix)

    @staticmethod
    def _publish_copy_manifest(store: StagingStore, manifest: Manifest) -> CopyOptions:
        """Redshift reads a Hadoop output through a COPY manifest listing its parts (written
        beside them); the parts must be all gzip or all plain."""
        gzipped = {p.name.endswith(".gz") for p in manifest.parts}
        if len(gzipped) > 1:
            raise ValueError(f"{store.uri(manifest.prefix)} mixes gzip and plain part files")
        store.publish_manifest(manifest)
        return CopyOptions(compression="gzip" if gzipped == {True} else "none")

    def _remove_staged(self, store: StagingStore) -> None:
        """Delete the loaded input after the commit (``staging.retain: false``); best effort:
        the rows are committed, so a failed clean-up only leaves files behind."""
        try:
            store.remove_prefix(self.staging_prefix)
        except Exception as exc:
            log.warning("Could not remove %s: %s", store.uri(self.staging_prefix), exc)
        else:
            log.info("Removed the staged input %s", store.uri(self.staging_prefix))
