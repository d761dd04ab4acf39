"""Reading rows out of source databases, one module per engine; :func:`stream_rows` picks one."""

from __future__ import annotations

from collections.abc import Callable

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_dataduct.connections.hooks import is_mysql, is_postgres
from airflow_dataduct.sources.postgres import stream_dbapi, stream_postgres
from airflow_dataduct.staging.writer import StagedWriter


def stream_rows(
    hook: DbApiHook, query: str, writer_factory: Callable[[tuple[str, ...]], StagedWriter]
) -> StagedWriter:
    """Stream ``query``'s rows into the writer ``writer_factory(columns)`` makes, the way the
    source's engine streams fastest: PostgreSQL by COPY, MySQL by a server-side cursor, any
    other DB-API source in fetched batches."""
    if is_postgres(hook):
        return stream_postgres(hook, query, writer_factory)
    if is_mysql(hook):
        from airflow_dataduct.sources.mysql import stream_mysql  # deferred: MySQLdb start-up

        return stream_mysql(hook, query, writer_factory)
    return stream_dbapi(hook, query, writer_factory)
