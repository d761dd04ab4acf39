"""``extract-rds``: stream a query's rows from a source database into staged part files."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseOperator

from airflow_dataduct.connections.hooks import connection_type, source_hook
from airflow_dataduct.sources import stream_rows
from airflow_dataduct.sql.source import SourceDialect, select_all_sql
from airflow_dataduct.sql.text import strip_statement
from airflow_dataduct.staging.locations import copy_staged, open_store
from airflow_dataduct.staging.writer import StagedWriter, check_splits

log = logging.getLogger(__name__)


class ExtractRdsOperator(BaseOperator):
    """Extract ``sql`` from the source connection into ``<staging>/<staging_prefix>/``.

    PostgreSQL sources stream with ``COPY (query) TO STDOUT``; other DB-API sources are fetched
    in batches; MySQL sources stream unbuffered, each record formatted by the server (see
    :mod:`~airflow_dataduct.sources.mysql_records`). Memory stays bounded whatever the table
    size; the staged files are gzip parts of at most ``part_size`` uncompressed
    bytes, committed by a manifest once complete. With ``table`` instead of ``sql``, the query
    ``SELECT * FROM <table>`` is made when the task runs, quoted for the source's dialect.
    ``splits`` N > 1 deals the rows over N parts of nearly equal row counts (Dataduct's
    ``splits``, for a parallel Redshift COPY; see
    :class:`~airflow_dataduct.staging.writer.StagedWriter`).

    :param sql: the SELECT to extract (one statement; trailing semicolons are dropped),
        templated. Exactly one of ``sql`` and ``table``; default ``""``.
    :param source_conn_id: the Airflow connection of the source database (PostgreSQL, MySQL
        or another DB-API connection).
    :param staging_location: the staging root: an ``s3://bucket/prefix`` URI or a local
        directory (``staging.location``).
    :param staging_prefix: the step's folder under ``staging_location``, where the parts and
        their manifest go; templated.
    :param database: the database to read, instead of the connection's own; None (the
        default): the connection's.
    :param aws_conn_id: the AWS connection for S3 staging and ``output_path`` (default
        ``aws_default``).
    :param part_size: the most uncompressed bytes per staged part (default 128 MiB;
        ``staging.part_size_mb``).
    :param table: a source table (``schema.table``, MySQL ``database.table``) to extract
        whole; not templated. Exactly one of ``sql`` and ``table``; None by default.
    :param output_path: Dataduct's ``output_path``: the committed parts and manifest are also
        copied to this ``s3://`` URI or local directory; templated. None (the default): no
        copy.
    :param splits: how many splits to deal the rows over, 1 to 256 (each split still starts
        a new part at ``part_size``); default 1. Templated: a rendered string is accepted.
    """

    template_fields: Sequence[str] = ("sql", "staging_prefix", "output_path", "splits")
    template_fields_renderers = {"sql": "sql"}
    template_ext: Sequence[str] = ()
    ui_color = "#e8f4e0"

    def __init__(
        self,
        *,
        sql: str = "",
        source_conn_id: str,
        staging_location: str,
        staging_prefix: str,
        database: str | None = None,
        aws_conn_id: str = "aws_default",
        part_size: int = 128 << 20,
        table: str | None = None,
        output_path: str | None = None,
        splits: int | str = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if bool(sql) == bool(table):
            raise ValueError("give exactly one of sql and table")
        self.sql = sql
        self.table = table
        self.source_conn_id = source_conn_id
        self.database = database
        self.staging_location = staging_location
        self.staging_prefix = staging_prefix
        self.aws_conn_id = aws_conn_id
        self.part_size = part_size
        self.output_path = output_path
        self.splits = splits

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        if self.table:
            dialect = SourceDialect.of_conn_type(connection_type(self.source_conn_id))
            self.sql = select_all_sql(self.table, dialect)
        super().render_template_fields(context, jinja_env)

    def execute(self, context: Any) -> dict[str, Any]:
        splits = check_splits(self.splits)  # templated: a rendered template is text
        query = strip_statement(self.sql)
        hook = source_hook(self.source_conn_id, self.database)
        store = open_store(self.staging_location, self.aws_conn_id)

        def writer_factory(columns: tuple[str, ...]) -> StagedWriter:
            return StagedWriter(store, self.staging_prefix, self.part_size, columns, splits)

        writer = stream_rows(hook, query, writer_factory)
        manifest = writer.manifest
        assert manifest is not None
        if self.output_path:
            copied = copy_staged(store, manifest, self.output_path, self.aws_conn_id)
            log.info("Copied the staged output to output_path %s", copied)
        log.info(
            "Extracted %s rows from %s into %s part(s) at %s",
            f"{manifest.rows:,}",
            self.source_conn_id,
            len(manifest.parts),
            store.uri(self.staging_prefix),
        )
        return {
            "uri": store.uri(self.staging_prefix),
            "rows": manifest.rows,
            "parts": len(manifest.parts),
            "columns": list(manifest.columns),
        }
