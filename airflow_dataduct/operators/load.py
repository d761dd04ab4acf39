"""``create-load-redshift``: create the table if missing and replace its rows atomically."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.sql.copy import (
    RedshiftCredentials,
    postgres_copy_from_stdin_sql,
    redshift_copy_sql,
)
from airflow_dataduct.sql.ddl import create_table_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.staging import open_store
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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.staging_location = staging_location
        self.staging_prefix = staging_prefix
        self.aws_conn_id = aws_conn_id
        self.iam_role = iam_role
        self.create_sql = ""
        self.load_sql = ""

    def _credentials(self) -> RedshiftCredentials:
        if self.iam_role:
            return RedshiftCredentials(iam_role=self.iam_role)
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        creds = AwsBaseHook(aws_conn_id=self.aws_conn_id, client_type="s3").get_credentials()
        return RedshiftCredentials(
            access_key_id=creds.access_key,
            secret_access_key=creds.secret_key,
            session_token=creds.token,
        )

    def prepare_sql(self, dialect: Dialect) -> None:
        self.create_sql = create_table_sql(self.table, dialect)
        if dialect is Dialect.REDSHIFT:
            redacted = RedshiftCredentials(iam_role=self.iam_role or "<from connection>")
            uri = f"{self.staging_location}/{self.staging_prefix}/copy.manifest"
            self.load_sql = redshift_copy_sql(self.table, uri, redacted)
        else:
            self.load_sql = postgres_copy_from_stdin_sql(self.table)

    def execute(self, context: Any) -> dict[str, Any]:
        store = open_store(self.staging_location, self.aws_conn_id)
        manifest = store.read_manifest(self.staging_prefix)
        log.info(
            "Loading %s staged rows in %s part(s) from %s into %s",
            f"{manifest.rows:,}",
            len(manifest.parts),
            store.uri(self.staging_prefix),
            self.table.full_name,
        )
        extra = {}
        if self.warehouse.dialect is Dialect.REDSHIFT:
            extra["credentials"] = self._credentials()
        loaded = self.warehouse.replace_contents(self.table, store, manifest, **extra)
        log.info("Replaced the contents of %s with %s rows", self.table.full_name, f"{loaded:,}")
        return {"table": self.table.full_name, "rows": loaded}
