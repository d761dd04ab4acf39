"""``extract-rds``: stream a query's rows from a source database into staged part files."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
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


class _PipedBatches:
    """Where psycopg2's ``copy_expert`` writes: a buffered pipe, so its one-call-per-record
    writes run in C; a thread reads ~1 MiB batches of whole records from the other end,
    rewrites them into the interchange format and stages them, on the other core.

    Hand-written: psycopg2 calls ``write`` once per record, and a Python ``write`` method
    costs more than the COPY itself (0.28 s against 0.13 s per 500,000 rows, profiled).
    """

    def __init__(self, writer: StagedWriter) -> None:
        self.writer = writer
        read_fd, write_fd = os.pipe()
        self.sink = os.fdopen(write_fd, "wb", buffering=BATCH_BYTES)
        self._source = os.fdopen(read_fd, "rb", buffering=BATCH_BYTES)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._stage, name="dataduct-extract", daemon=True)
        self._thread.start()

    def _stage(self) -> None:
        """Stage every whole record read; after a failure, keep draining the pipe so the COPY
        never blocks on a full pipe, and report the failure from :meth:`close`."""
        pending = b""
        while chunk := self._source.read(BATCH_BYTES):
            if self._error is not None:
                continue
            data = pending + chunk
            end = data.rfind(b"\n") + 1  # a line feed inside a value is escaped as \\n
            pending = data[end:]
            try:
                if end:
                    self.writer.write(from_postgres_text(data[:end]), data.count(b"\n", 0, end))
            except BaseException as exc:  # re-raised by close()
                self._error = exc
        if pending and self._error is None:
            self._error = ValueError("the COPY output ends in the middle of a record")
        self._source.close()

    def close(self, raise_error: bool = True) -> None:
        """Flush and close the pipe, wait for the thread, and raise what it raised (not when
        the COPY itself failed: its error is the one to report)."""
        try:
            self.sink.close()
        finally:
            self._thread.join()
        if self._error is not None and raise_error:
            raise self._error


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
                batches = _PipedBatches(writer)
                try:
                    copy_sql = postgres_copy_to_stdout_sql(query)
                    cursor.copy_expert(copy_sql, batches.sink, size=BATCH_BYTES)
                except BaseException:
                    batches.close(raise_error=False)
                    raise
                batches.close()
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
