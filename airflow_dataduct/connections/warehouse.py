"""Warehouse work in transactions: create-if-missing, atomic replace, statement lists.

Every write happens inside one transaction, so a failure leaves the table as it was. Two
writers of one table never interleave: on PostgreSQL the transaction takes a SHARE ROW
EXCLUSIVE lock (readers carry on); on Redshift, whose LOCK is ACCESS EXCLUSIVE and would make
readers wait for the whole load, nothing is locked: serializable isolation fails one of two
conflicting writers (error 1023, SQLSTATE 40001), and its transaction is retried whole, at
most :data:`SERIALIZATION_RETRIES` more times.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from airflow.providers.common.sql.hooks.sql import DbApiHook

from airflow_dataduct.connections.hooks import set_search_path, warehouse_dialect, warehouse_hook
from airflow_dataduct.errors import RedshiftCannotLoad, WarehouseSchemaError
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
from airflow_dataduct.sql.identifiers import Dialect, catalog_name, quote_literal, table_ref
from airflow_dataduct.sql.load_modes import identity_columns_sql, primary_key_columns_sql
from airflow_dataduct.sql.script import driver_sql, transaction_safe
from airflow_dataduct.staging.dataduct_tsv import FORMAT_NAME as DATADUCT_TSV_FORMAT
from airflow_dataduct.staging.manifest import COPY_MANIFEST, Manifest
from airflow_dataduct.staging.store import StagingStore
from airflow_dataduct.tables.model import Column, Table

log = logging.getLogger(__name__)
T = TypeVar("T")

SERIALIZATION_RETRIES = 3
"""Redshift: how many more times a write transaction runs after a serialization failure."""
_RETRYABLE_STATES = frozenset({"40001", "42P07"})
"""Serialization failure; duplicate table (two first loads on Redshift: the loser retries and
then finds the table)."""
_RETRYABLE_TEXT = re.compile(r"Serializable isolation violation|\b1023\b|already exists", re.I)


def lock_table_sql(table: Table, dialect: Dialect) -> str | None:
    """Block other writers until the transaction ends (PostgreSQL: readers carry on).

    None on Redshift: its LOCK is ACCESS EXCLUSIVE (r_LOCK), so readers would wait for the
    whole load; serializable isolation plus :func:`retrying` keeps writers apart instead.
    """
    if dialect is Dialect.REDSHIFT:
        return None
    return f"LOCK TABLE {table_ref(table)} IN SHARE ROW EXCLUSIVE MODE"


def is_retryable(exc: BaseException) -> bool:
    """A Redshift serialization failure (or a lost first-load CREATE race): psycopg's
    ``sqlstate``, redshift_connector's error dict (``C`` is the SQLSTATE), or its text."""
    state = getattr(exc, "sqlstate", None)
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], dict):
        state = state or args[0].get("C")
    if state in _RETRYABLE_STATES:
        return True
    return bool(_RETRYABLE_TEXT.search(str(exc)))


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


def restaged_for_redshift(manifest: Manifest, options: CopyOptions | None) -> bool:
    """Whether a Redshift load re-stages its input as interchange parts first: Dataduct TSV
    read with the standard options. Redshift's COPY does not read it as this project does (a
    blank line fails the COPY, a CR before LF stays in the last field), so it gets the records
    of :mod:`~airflow_dataduct.staging.dataduct_tsv`'s reader instead. With ``--no_escape`` or
    ``--command_options`` the files are read as they are."""
    if manifest.format != DATADUCT_TSV_FORMAT:
        return False
    return options is None or (options.command_options is None and options.escape)


def refuse_backslash_n(manifest: Manifest, location: str) -> None:
    """Refuse (before any SQL) a Redshift load of staged fields holding exactly the text
    ``\\N``: with ESCAPE and the default NULL string, "``\\N`` and ``\\\\N`` produce the same
    results" (copy-parameters-data-conversion), so COPY would load them as NULL."""
    count = manifest.backslash_n_values
    if count:
        raise RedshiftCannotLoad(
            f"{count} staged value(s) under {location} are exactly the text \\N, and Redshift's "
            "COPY cannot tell the value \\N from NULL (ESCAPE with NULL AS '\\\\N' loads both "
            "as NULL); nothing was loaded (the PostgreSQL stand-in loads them correctly)"
        )


def check_loaded_count(
    loaded: int, manifest: Manifest, table: Table, options: CopyOptions | None = None
) -> None:
    """Every staged row loaded, or (Redshift) at most ``MAXERROR - 1`` fewer: the load fails at
    ``MAXERROR`` errors (copy-parameters-data-load). Rows not counted (``-1``: EMR output,
    ``input_path``) are not checked."""
    if manifest.rows < 0:
        return
    limit = options.max_errors if options is not None and options.command_options is None else 0
    allowed = max(limit - 1, 0)
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

    def retrying(self, work: Callable[[], T]) -> T:
        """Run ``work`` (one whole transaction); on Redshift run it again after a
        serialization failure, up to :data:`SERIALIZATION_RETRIES` times."""
        attempts = SERIALIZATION_RETRIES + 1 if self.dialect is Dialect.REDSHIFT else 1
        for attempt in range(1, attempts + 1):
            try:
                return work()
            except Exception as exc:
                if attempt == attempts or not is_retryable(exc):
                    raise
                log.warning("Transaction %s of %s failed, retrying: %s", attempt, attempts, exc)
        raise AssertionError("unreachable")

    def execute(self, cursor: Any, sql: str, params: Sequence[Any] | None = None) -> None:
        """One statement; with ``params`` it is written with psycopg's ``%`` rules and
        handed to the dialect's driver so the server gets the same text (see
        :func:`~airflow_dataduct.sql.script.driver_sql`)."""
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(driver_sql(sql, self.dialect), params)

    def lock(self, cursor: Any, table: Table) -> None:
        """Keep other writers of ``table`` out until the transaction ends (PostgreSQL only;
        Redshift relies on serializable isolation, see the module docstring)."""
        sql = lock_table_sql(table, self.dialect)
        if sql is not None:
            cursor.execute(sql)

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
        """Create ``table`` when missing (True), or check its columns match the definition.

        Two first loads: on PostgreSQL an advisory lock lets one create; on Redshift the
        CREATE is ``IF NOT EXISTS`` and the loser's transaction is retried (:meth:`retrying`).
        """
        cursor.execute(table_exists_sql(table, self.dialect))
        exists = cursor.fetchone()[0]
        if not exists and self.dialect is Dialect.POSTGRES:
            cursor.execute(creation_lock_sql(table))  # concurrent first loads: one creates
            cursor.execute(table_exists_sql(table, self.dialect))
            exists = cursor.fetchone()[0]
        if exists:
            self._check_columns(cursor, table)
            return False
        schema_sql = create_schema_sql(table)
        if schema_sql:
            cursor.execute(schema_sql)
        cursor.execute(create_table_sql(table, self.dialect, if_not_exists=True))
        for grant in grant_sql(table, self.permissions):
            cursor.execute(grant)
        log.info("Created table %s from %s", table.full_name, table.source_path)
        return True

    def _check_columns(self, cursor: Any, table: Table) -> None:
        cursor.execute(table_columns_sql(table, self.dialect))
        existing = tuple(r[0] for r in cursor.fetchall())
        if existing != tuple(catalog_name(c, self.dialect) for c in table.column_names):
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

        def load() -> int:
            with self.transaction() as cursor:
                if recreate:
                    cursor.execute(drop_table_sql(table, cascade=False))
                    log.info("Dropped %s to re-create it (--force_drop_table)", table.full_name)
                self.ensure_table(cursor, table)
                self.lock(cursor, table)
                cursor.execute(clear_table_sql(table, self.dialect))
                loaded = self.copy_staged(cursor, table, store, manifest, **copy)
                check_loaded_count(loaded, manifest, table, copy.get("options"))
            return loaded

        return self.retrying(load)

    def existing_table(self, cursor: Any, schema: str, name: str) -> Table:
        """The table as the catalog has it: columns (IDENTITY ones marked) and primary key."""
        probe = Table(schema=schema, name=name, columns=())
        cursor.execute(table_exists_sql(probe, self.dialect))
        if not cursor.fetchone()[0]:
            raise LookupError(
                f"table {schema}.{name} does not exist: load-redshift loads into an existing "
                "table (create it first, or use create-load-redshift)"
            )
        cursor.execute(identity_columns_sql(schema, name, self.dialect))
        identities = {r[1]: r[0] for r in cursor.fetchall()}
        cursor.execute(table_columns_sql(probe, self.dialect))
        columns = tuple(
            Column(
                r[0],
                "",
                i,
                identity=(1, 1) if r[0] in identities else None,
                identity_by_default=identities.get(r[0]) == "BY DEFAULT",
            )
            for i, r in enumerate(cursor.fetchall(), 1)
        )
        cursor.execute(primary_key_columns_sql(schema, name, self.dialect))
        key = tuple(r[0] for r in cursor.fetchall())
        return Table(schema=schema, name=name, columns=columns, primary_key=key)

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
            outside = [p.name for p in manifest.parts if "://" in p.name]  # input_path files
            self._log_load_errors([store.uri(manifest.prefix), *outside[:50]])
            raise
        cursor.execute("SELECT pg_last_copy_count()")
        return int(cursor.fetchone()[0])

    def _log_load_errors(self, locations: Sequence[str]) -> None:
        """Log the rejected rows of the failed COPY: STL_LOAD_ERRORS (provisioned clusters)
        and SYS_LOAD_ERROR_DETAIL (Serverless and concurrency scaling, which STL lacks)."""
        for view, sql in redshift_load_errors_sql(locations):
            try:
                rows = self.query(sql)
            except Exception as exc:  # the report is best effort; the COPY error matters
                log.warning("Could not read %s: %s", view, exc)
                continue
            for row in rows:
                log.error("%s: %s", view, row)

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
        items = [(item, None) if isinstance(item, str) else item for item in statements]
        if transactional:  # before anything runs: a refused statement changes nothing
            items = [(transaction_safe(sql, self.dialect), params) for sql, params in items]

        def run() -> list[int]:
            counts: list[int] = []
            session = self.transaction() if transactional else self._autocommit_cursor()
            with session as cursor:
                for table in [create] if isinstance(create, Table) else create or ():
                    self.ensure_table(cursor, table)
                if lock is not None and transactional:
                    self.lock(cursor, lock)
                for sql, params in items:
                    self.execute(cursor, sql, params)
                    counts.append(cursor.rowcount)
                    log.info("%s", describe_statement(sql, cursor.rowcount))
            return counts

        return self.retrying(run) if transactional else run()

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
