"""``extract-rds``: stream a query's rows from a source database into staged part files."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook
from airflow.sdk import BaseOperator

from airflow_dataduct.hooks import connection_type, is_mysql, is_postgres, source_hook
from airflow_dataduct.interchange import POSTGRES_SESSION_SETTINGS, format_rows, from_postgres_text
from airflow_dataduct.sql.copy import postgres_copy_to_stdout_sql
from airflow_dataduct.sql.source import SourceDialect, select_all_sql
from airflow_dataduct.sql.text import strip_statement, subquery
from airflow_dataduct.staging import StagedWriter, check_splits, copy_staged, open_store

log = logging.getLogger(__name__)

BATCH_BYTES = 1 << 20
FETCH_ROWS = 10_000


def _columns_of(cursor: Any, query: str) -> tuple[str, ...]:
    cursor.execute(f"SELECT * FROM {subquery(query)} AS dataduct_columns LIMIT 0")
    return tuple(d[0] for d in cursor.description)


class _RecordBatches:
    """A file-like sink for psycopg2's ``copy_expert``: it writes one record per call; these
    are joined into ~1 MiB batches, rewritten into the interchange format and staged."""

    def __init__(self, writer: StagedWriter) -> None:
        self.writer = writer
        self.records: list[bytes] = []
        self.size = 0

    def write(self, record: bytes) -> None:
        self.records.append(record)
        self.size += len(record)
        if self.size >= BATCH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.records:
            self.writer.write(from_postgres_text(b"".join(self.records)), len(self.records))
            self.records, self.size = [], 0


def _libpq_params(hook: DbApiHook) -> dict[str, str]:
    """The libpq parameters the hook connects with (its IAM, SSL and option handling kept)."""
    with contextlib.closing(hook.get_conn()) as conn:
        return {o.keyword.decode(): o.val.decode() for o in conn.pgconn.info if o.val}


def stream_postgres(hook: DbApiHook, query: str, writer_factory: Any) -> StagedWriter:
    """``COPY (query) TO STDOUT`` into the writer, rewritten into the interchange format.

    Streams through psycopg2, whose C copy loop is about twice as fast as psycopg 3's
    per-row generator (measured here: 0.73 s against 1.56 s per million rows).
    """
    import psycopg2

    with contextlib.closing(psycopg2.connect(**_libpq_params(hook))) as conn:
        with conn.cursor() as cursor:
            for setting in POSTGRES_SESSION_SETTINGS:
                cursor.execute(setting)
            columns = _columns_of(cursor, query)
            with writer_factory(columns) as writer:
                sink = _RecordBatches(writer)
                cursor.copy_expert(postgres_copy_to_stdout_sql(query), sink, size=BATCH_BYTES)
                sink.flush()
        conn.rollback()
    return writer


def stream_dbapi(hook: DbApiHook, query: str, writer_factory: Any) -> StagedWriter:
    """Any DB-API source: fetch in bounded batches and format them as interchange records."""
    with contextlib.closing(hook.get_conn()) as conn:
        cursor = conn.cursor()
        try:
            cursor.execute(query)
            columns = tuple(d[0] for d in cursor.description)
            with writer_factory(columns) as writer:
                while rows := cursor.fetchmany(FETCH_ROWS):
                    writer.write(format_rows(rows), len(rows))
        finally:
            cursor.close()
    return writer


class ExtractRdsOperator(BaseOperator):
    """Extract ``sql`` from the source connection into ``<staging>/<staging_prefix>/``.

    PostgreSQL sources stream with ``COPY (query) TO STDOUT``; other DB-API sources are fetched
    in batches; MySQL sources stream from a server-side cursor. Memory stays bounded whatever
    the table size; the staged files are gzip parts of at most ``part_size`` uncompressed
    bytes, committed by a manifest once complete. With ``table`` instead of ``sql``, the query
    ``SELECT * FROM <table>`` is made when the task runs, quoted for the source's dialect.
    ``splits`` N > 1 deals the rows over N parts of nearly equal row counts (Dataduct's
    ``splits``, for a parallel Redshift COPY; see :class:`~airflow_dataduct.staging.StagedWriter`).
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
            return store.writer(self.staging_prefix, self.part_size, columns, splits)

        if is_postgres(hook):
            stream = stream_postgres
        elif is_mysql(hook):
            from airflow_dataduct.mysql_source import stream_mysql as stream
        else:
            stream = stream_dbapi
        writer = stream(hook, query, writer_factory)
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
