"""Warehouse work in transactions: create-if-missing, atomic replace, statement lists.

Every write happens inside one transaction that also takes a write lock on the target table,
so a failure leaves the table as it was and two writers never interleave.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator, Sequence
from typing import Any

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_dataduct.connections.hooks import set_search_path, warehouse_dialect, warehouse_hook
from airflow_dataduct.errors import WarehouseSchemaError
from airflow_dataduct.sql.copy import (
    CopyOptions,
    RedshiftCredentials,
    postgres_copy_from_stdin_sql,
    redshift_copy_sql,
    redshift_load_errors_sql,
)
from airflow_dataduct.sql.ddl import (
    analyze_sql,
    create_schema_sql,
    create_table_sql,
    drop_table_sql,
    grant_sql,
    table_columns_sql,
    table_exists_sql,
)
from airflow_dataduct.sql.identifiers import Dialect, quote_literal, table_ref
from airflow_dataduct.staging.dataduct_tsv import FORMAT_NAME as DATADUCT_TSV_FORMAT
from airflow_dataduct.staging.manifest import COPY_MANIFEST, Manifest
from airflow_dataduct.staging.store import StagingStore
from airflow_dataduct.tables.model import Table

log = logging.getLogger(__name__)


def lock_table_sql(table: Table, dialect: Dialect) -> str:
    """Block other writers (PostgreSQL readers carry on) until the transaction ends."""
    if dialect is Dialect.REDSHIFT:
        return f"LOCK {table_ref(table)}"
    return f"LOCK TABLE {table_ref(table)} IN SHARE ROW EXCLUSIVE MODE"


def creation_lock_sql(table: Table) -> str:
    """PostgreSQL: serialize creating tables of one schema until the transaction ends, so two
    first loads do not both run ``CREATE SCHEMA``/``CREATE TABLE`` (the second would fail)."""
    key = quote_literal(f"dataduct-create:{table.schema or ''}")
    return f"SELECT pg_advisory_xact_lock(hashtext({key}))"


def copy_options_for(manifest: Manifest, options: CopyOptions | None) -> CopyOptions:
    """COPY options matching what was staged: its NULL marker and, when uniform, compression.

    Dataduct TSV (extract-local, extract-s3, transform outputs) writes NULL as ``NULL``; the
    interchange format as ``\\N``. Parts of mixed compression (``auto``) cannot be loaded by
    one Redshift COPY, which is reported rather than guessed.
    """
    options = options or CopyOptions()
    if manifest.format == DATADUCT_TSV_FORMAT:
        options = dataclasses.replace(options, null_as="NULL")
    if manifest.compression in ("gzip", "none"):
        return dataclasses.replace(options, compression=manifest.compression)
    kinds = {p.name.endswith(".gz") for p in manifest.parts}
    if len(kinds) > 1:
        raise ValueError(
            f"staged files under {manifest.prefix} mix gzip and plain files; one Redshift COPY "
            "needs one compression"
        )
    return dataclasses.replace(options, compression="gzip" if kinds == {True} else "none")


def check_loaded_count(
    loaded: int, manifest: Manifest, table: Table, options: CopyOptions | None = None
) -> None:
    """Every staged row loaded, or at most ``MAXERROR`` fewer (Redshift); rows not counted
    (``-1``: EMR output, ``input_path``) are not checked."""
    if manifest.rows < 0:
        return
    allowed = options.max_errors if options is not None and options.command_options is None else 0
    if not manifest.rows - allowed <= loaded <= manifest.rows:
        raise RuntimeError(
            f"loaded {loaded} rows into {table.full_name} but {manifest.rows} were staged"
        )
    if loaded < manifest.rows:
        log.warning("%s staged rows rejected (MAXERROR %s)", manifest.rows - loaded, allowed)


def clear_table_sql(table: Table, dialect: Dialect) -> str:
    """Empty a table inside the load's transaction. PostgreSQL's TRUNCATE is transactional;
    Redshift's commits at once, so Redshift gets DELETE."""
    if dialect is Dialect.REDSHIFT:
        return f"DELETE FROM {table_ref(table)}"
    return f"TRUNCATE {table_ref(table)}"


_VERBS = {"INSERT": "inserted", "UPDATE": "updated", "DELETE": "deleted", "MERGE": "merged"}


def statement_head(sql: str, width: int = 80) -> str:
    """The start of ``sql`` on one line, up to its first parenthesis or ``width`` characters."""
    head = " ".join(sql.split("(")[0].split())
    return head if len(head) <= width else head[: width - 3] + "..."


def describe_statement(sql: str, rowcount: int) -> str:
    """A log line for one statement: what it did to how many rows, or only what ran when the
    driver reports no count (``-1``: DDL, ``SET``, ``LOCK``, ``ANALYZE``)."""
    head = statement_head(sql)
    if rowcount < 0:
        return f"Ran {head}"
    keyword = head.split(" ", 1)[0].upper()
    verb = _VERBS.get(keyword, "affected")
    if keyword == "SELECT" or head.upper().startswith("CREATE"):
        verb = "selected" if keyword == "SELECT" else "written"
    return f"{head}: {rowcount:,} row{'s' if rowcount != 1 else ''} {verb}"


class Warehouse:
    """One warehouse connection id, its dialect and search path."""

    def __init__(
        self, conn_id: str, search_path: Sequence[str] = (), permissions: Sequence[Any] = ()
    ) -> None:
        self.conn_id = conn_id
        self.search_path = tuple(search_path)
        self.permissions = tuple(permissions)
        """``database.permissions``: GRANTs made on every table this warehouse creates."""
        self.dialect = warehouse_dialect(conn_id)
        self.hook: DbApiHook = warehouse_hook(conn_id, self.search_path)

    @contextlib.contextmanager
    def _cursor(self, conn: Any, autocommit: bool) -> Iterator[Any]:
        """A cursor of ``conn`` on the configured search path (Redshift sets it per session)."""
        conn.autocommit = autocommit
        with contextlib.closing(conn.cursor()) as cursor:
            if self.dialect is Dialect.REDSHIFT:
                set_search_path(cursor, self.search_path)
            yield cursor

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor in one transaction: committed on success, rolled back on any error."""
        conn = self.hook.get_conn()
        try:
            with self._cursor(conn, autocommit=False) as cursor:
                yield cursor
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()

    def run_autocommit(self, sql: str) -> None:
        """One statement outside any transaction (ANALYZE after a commit)."""
        with self._autocommit_cursor() as cursor:
            cursor.execute(sql)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of one read-only query (``%s`` placeholders take ``params``)."""
        with self.transaction() as cursor:
            cursor.execute(sql) if params is None else cursor.execute(sql, params)
            return [tuple(r) for r in cursor.fetchall()]

    def ensure_table(self, cursor: Any, table: Table) -> bool:
        """Create ``table`` when missing (True), or check its columns match the definition."""
        cursor.execute(table_exists_sql(table))
        exists = cursor.fetchone()[0]
        if not exists and self.dialect is Dialect.POSTGRES:
            cursor.execute(creation_lock_sql(table))  # concurrent first loads: one creates
            cursor.execute(table_exists_sql(table))
            exists = cursor.fetchone()[0]
        if exists:
            self._check_columns(cursor, table)
            return False
        schema_sql = create_schema_sql(table)
        if schema_sql:
            cursor.execute(schema_sql)
        cursor.execute(create_table_sql(table, self.dialect))
        for grant in grant_sql(table, self.permissions):
            cursor.execute(grant)
        log.info("Created table %s from %s", table.full_name, table.source_path)
        return True

    def _check_columns(self, cursor: Any, table: Table) -> None:
        cursor.execute(table_columns_sql(table))
        existing = tuple(r[0] for r in cursor.fetchall())
        if existing != table.column_names:
            raise WarehouseSchemaError(
                f"table {table.full_name} exists with columns ({', '.join(existing)}) but "
                f"{table.source_path} defines ({', '.join(table.column_names)})"
            )

    def replace_contents(
        self,
        table: Table,
        store: StagingStore,
        manifest: Manifest,
        recreate: bool = False,
        **copy: Any,
    ) -> int:
        """Replace every row of ``table`` with the staged rows, atomically; returns rows loaded.
        ``recreate`` drops the table first (in the same transaction) and creates it anew."""
        if manifest.columns and len(manifest.columns) != len(table.columns):
            raise WarehouseSchemaError(
                f"staged data has {len(manifest.columns)} columns ({', '.join(manifest.columns)}) "
                f"but {table.full_name} has {len(table.columns)} ({', '.join(table.column_names)})"
            )
        with self.transaction() as cursor:
            if recreate:
                cursor.execute(drop_table_sql(table, cascade=False))
                log.info("Dropped %s to re-create it (--force_drop_table)", table.full_name)
            self.ensure_table(cursor, table)
            cursor.execute(lock_table_sql(table, self.dialect))
            cursor.execute(clear_table_sql(table, self.dialect))
            loaded = self.copy_staged(cursor, table, store, manifest, **copy)
            check_loaded_count(loaded, manifest, table, copy.get("options"))
        return loaded

    def copy_staged(
        self, cursor: Any, table: Table, store: StagingStore, manifest: Manifest, **copy: Any
    ) -> int:
        """Append the staged rows to ``table`` inside the cursor's transaction; rows loaded.

        Redshift takes ``credentials`` and optional ``options`` (:class:`CopyOptions`).
        """
        if self.dialect is Dialect.REDSHIFT:
            return self._copy_redshift(cursor, table, store, manifest, **copy)
        return self._copy_postgres(cursor, table, store, manifest)

    def _copy_postgres(
        self, cursor: Any, table: Table, store: StagingStore, manifest: Manifest
    ) -> int:
        with cursor.copy(postgres_copy_from_stdin_sql(table)) as copy:
            for chunk in store.iter_records(manifest):
                copy.write(chunk)
        return cursor.rowcount

    def _copy_redshift(
        self,
        cursor: Any,
        table: Table,
        store: StagingStore,
        manifest: Manifest,
        credentials: RedshiftCredentials | None = None,
        options: CopyOptions | None = None,
    ) -> int:
        if credentials is None:
            raise ValueError("a Redshift load needs credentials (an IAM role or AWS keys)")
        if not manifest.parts:  # an empty COPY manifest fails the COPY ("no files found")
            log.info("Nothing staged under %s: no COPY", store.uri(manifest.prefix))
            return 0
        manifest_uri = store.uri(manifest.prefix, COPY_MANIFEST)
        options = copy_options_for(manifest, options)
        if not manifest_uri.startswith("s3://"):
            raise ValueError(f"Redshift loads from S3; staging location {manifest_uri} is local")
        try:
            cursor.execute(redshift_copy_sql(table, manifest_uri, credentials, options))
        except Exception:
            self._log_load_errors(store.uri(manifest.prefix))
            raise
        cursor.execute("SELECT pg_last_copy_count()")
        return int(cursor.fetchone()[0])

    def _log_load_errors(self, prefix_uri: str) -> None:
        try:
            rows = self.query(redshift_load_errors_sql(prefix_uri))
        except Exception as exc:  # the report is best effort; the COPY error is what matters
            log.warning("Could not read stl_load_errors: %s", exc)
            return
        for row in rows:
            log.error("stl_load_errors: %s", row)

    def run_statements(
        self,
        statements: Sequence[str | tuple[str, Sequence[Any] | None]],
        lock: Table | None = None,
        create: Table | Sequence[Table] | None = None,
        transactional: bool = True,
    ) -> list[int]:
        """Run ``statements`` in one transaction; returns each statement's row count.

        A statement may come with its bound parameters as ``(sql, params)``. With
        ``transactional=False`` (Dataduct's ``non_transactional``) each statement commits on
        its own, so a failure keeps the earlier ones.
        """
        counts: list[int] = []
        session = self.transaction() if transactional else self._autocommit_cursor()
        with session as cursor:
            for table in [create] if isinstance(create, Table) else create or ():
                self.ensure_table(cursor, table)
            if lock is not None and transactional:
                cursor.execute(lock_table_sql(lock, self.dialect))
            for item in statements:
                sql, params = (item, None) if isinstance(item, str) else item
                cursor.execute(sql, params) if params is not None else cursor.execute(sql)
                counts.append(cursor.rowcount)
                log.info("%s", describe_statement(sql, cursor.rowcount))
        return counts

    @contextlib.contextmanager
    def _autocommit_cursor(self) -> Iterator[Any]:
        """A cursor whose every statement commits at once."""
        conn = self.hook.get_conn()
        try:
            with self._cursor(conn, autocommit=True) as cursor:
                yield cursor
        finally:
            conn.close()

    def analyze(self, table: Table) -> None:
        """Refresh planner statistics, after the commit (ANALYZE cannot be rolled back)."""
        self.run_autocommit(analyze_sql(table))
