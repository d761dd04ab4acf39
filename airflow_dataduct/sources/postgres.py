"""Streaming rows out of a PostgreSQL (COPY TO STDOUT) or any DB-API source into staged parts."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_dataduct.sql.copy import postgres_copy_to_stdout_sql
from airflow_dataduct.sql.text import subquery
from airflow_dataduct.staging.interchange import (
    POSTGRES_SESSION_SETTINGS,
    format_rows,
    from_postgres_text,
)
from airflow_dataduct.staging.writer import StagedWriter

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
    import psycopg2  # deferred: only psycopg2 connections need it

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
