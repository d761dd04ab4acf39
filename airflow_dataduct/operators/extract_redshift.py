"""``extract-redshift``: a whole warehouse table into staged files (docs/steps.md).

Redshift: ``UNLOAD`` straight into the S3 staging location, then the staging manifest made
from UNLOAD's own (``MANIFEST VERBOSE``), so the next load reads exactly what was unloaded.
PostgreSQL (the local stand-in): ``COPY (SELECT ...) TO STDOUT`` streamed into the staging
store, as extract-rds does.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.connections.redshift import redacted_credentials, redshift_credentials
from airflow_dataduct.errors import StepFailed
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.sources.postgres import stream_postgres
from airflow_dataduct.sql.copy import postgres_copy_to_stdout_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.unload import redshift_unload_sql, select_table_sql
from airflow_dataduct.staging.locations import copy_staged, open_store
from airflow_dataduct.staging.manifest import Manifest, Part
from airflow_dataduct.staging.store import StagingStore
from airflow_dataduct.staging.writer import StagedWriter

log = logging.getLogger(__name__)

UNLOAD_NAME = "part-"
"""UNLOAD's file name prefix inside the attempt folder (``part-0000_part_00.gz``, ...)."""


def manifest_from_unload(store: StagingStore, prefix: str, attempt: str, text: str) -> Manifest:
    """The staging manifest for the files an UNLOAD listed in its verbose manifest."""
    data = json.loads(text)
    base = store.uri(prefix) + "/"
    parts = []
    for entry in data.get("entries", []):
        url = entry["url"]
        if not url.startswith(base + attempt + "/"):
            raise ValueError(f"UNLOAD wrote {url}, outside {base}{attempt}/")
        meta = entry.get("meta", {})
        parts.append(Part(url[len(base) :], int(meta["record_count"]), int(meta["content_length"])))
    columns = tuple(e["name"] for e in data.get("schema", {}).get("elements", []))
    return Manifest(prefix, tuple(parts), sum(p.rows for p in parts), columns)


class ExtractRedshiftOperator(WarehouseOperator):
    """Extract ``schema.table`` from the warehouse into ``<staging>/<staging_prefix>/``.

    The ``UNLOAD`` or ``COPY ... TO STDOUT`` is shown as the templated ``extract_sql``. Plus
    the arguments of :class:`WarehouseOperator`.

    :param schema: the schema of the table to extract; not templated.
    :param table: the table to extract whole (``SELECT *``); not templated.
    :param staging_location: the staging root: an ``s3://bucket/prefix`` URI or a local
        directory (``staging.location``); Redshift needs ``s3://``.
    :param staging_prefix: the step's folder under ``staging_location``, where the parts and
        their manifest go; templated.
    :param aws_conn_id: the AWS connection for S3 staging, ``output_path`` and, without
        ``iam_role``, the UNLOAD's credentials (default ``aws_default``).
    :param iam_role: the IAM role ARN Redshift uses to reach S3 (``warehouse.iam_role``);
        None (the default): the keys of ``aws_conn_id``, resolved on the worker and shown as
        ``<from connection>`` in the rendered SQL. Unused on PostgreSQL.
    :param s3_region: the staging bucket's region for ``REGION`` (``staging.region``), when it
        is not the cluster's; None (the default): no ``REGION``. Unused on PostgreSQL.
    :param part_size: on PostgreSQL, the most uncompressed bytes per staged part (default
        128 MiB; ``staging.part_size_mb``); Redshift's UNLOAD sizes its own files.
    :param output_path: Dataduct's ``output_path``: the committed parts and manifest are also
        copied to this ``s3://`` URI or local directory; templated. None (the default): no
        copy.
    """

    template_fields: Sequence[str] = ("staging_prefix", "extract_sql", "output_path")
    template_fields_renderers = {"extract_sql": "sql"}
    ui_color = "#e8f4e0"

    def __init__(
        self,
        *,
        schema: str,
        table: str,
        staging_location: str,
        staging_prefix: str,
        aws_conn_id: str = "aws_default",
        iam_role: str | None = None,
        s3_region: str | None = None,
        part_size: int = 128 << 20,
        output_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.output_path = output_path
        self.schema = schema
        self.table = table
        self.staging_location = staging_location
        self.staging_prefix = staging_prefix
        self.aws_conn_id = aws_conn_id
        self.iam_role = iam_role
        self.s3_region = s3_region
        """``staging.region``: the staging bucket\'s region, for ``REGION``."""
        self.part_size = part_size
        self.extract_sql = ""

    def prepare_sql(self, dialect: Dialect) -> None:
        query = select_table_sql(self.schema, self.table)
        if dialect is Dialect.REDSHIFT:
            target = f"{self.staging_location}/<staging prefix>/attempt-<id>/{UNLOAD_NAME}"
            self.extract_sql = redshift_unload_sql(
                query, target, redacted_credentials(self.iam_role, self.s3_region)
            )
        else:
            self.extract_sql = postgres_copy_to_stdout_sql(query)

    def execute(self, context: Any) -> dict[str, Any]:
        store = open_store(self.staging_location, self.aws_conn_id)
        try:
            if self.warehouse.dialect is Dialect.REDSHIFT:
                manifest = self._unload(store)
            else:
                manifest = self._copy_out(store)
        except Exception as exc:
            raise StepFailed(self.task_id, "extract-redshift", exc) from exc
        if self.output_path:
            copied = copy_staged(store, manifest, self.output_path, self.aws_conn_id)
            log.info("Copied to output_path %s", copied)
        log.info(
            "Extracted %s rows of %s.%s into %s part(s) at %s",
            f"{manifest.rows:,}",
            self.schema,
            self.table,
            len(manifest.parts),
            store.uri(self.staging_prefix),
        )
        return {"uri": store.uri(self.staging_prefix), "rows": manifest.rows}

    def _copy_out(self, store: StagingStore) -> Manifest:
        def writer_factory(columns: tuple[str, ...]) -> StagedWriter:
            return StagedWriter(store, self.staging_prefix, self.part_size, columns)

        query = select_table_sql(self.schema, self.table)
        writer = stream_postgres(self.warehouse.hook, query, writer_factory)
        assert writer.manifest is not None
        return writer.manifest

    def _unload(self, store: StagingStore) -> Manifest:
        attempt = f"attempt-{uuid.uuid4().hex[:12]}"
        target = store.uri(self.staging_prefix, f"{attempt}/{UNLOAD_NAME}")
        if not target.startswith("s3://"):
            raise ValueError(f"Redshift unloads to S3; staging location {target} is local")
        credentials = redshift_credentials(self.iam_role, self.aws_conn_id, self.s3_region)
        query = select_table_sql(self.schema, self.table)
        try:
            with self.warehouse.transaction() as cursor:
                cursor.execute(redshift_unload_sql(query, target, credentials))
            text = store.read_text(self.staging_prefix, f"{attempt}/{UNLOAD_NAME}manifest")
            manifest = manifest_from_unload(store, self.staging_prefix, attempt, text)
            store.publish_manifest(manifest)
        except BaseException:
            store.remove_attempt(self.staging_prefix, attempt)
            raise
        store.remove_other_attempts(self.staging_prefix, attempt)
        return manifest
