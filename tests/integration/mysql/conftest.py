"""A real MariaDB source for the integration tests: ``maestro`` mapped to a ``mysql://`` URI.

``mariadb`` (session) starts a throwaway server; ``mysql_stack`` builds on the ``stack``
fixture (PostgreSQL warehouse, copied definitions, Airflow connections) and points
``AIRFLOW_CONN_DATADUCT_MAESTRO`` at a freshly seeded ``userDb`` in MariaDB.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devstack import mariadb
from devstack.mariadb import MariaDbServer
from devstack.seed import seed_users_mysql
from tests.integration.conftest import SEED_ROWS, SOURCE_DB, Stack


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariaDbServer]:
    """A throwaway MariaDB on loopback for the session (``make install`` installs it)."""
    if not mariadb.mariadb_available():
        pytest.skip("MariaDB is not installed (run `make install` as root)")
    base = Path(tempfile.mkdtemp(prefix="dataduct-my-"))
    server = mariadb.start_mariadb(base)
    yield server
    mariadb.stop_mariadb(base)
    shutil.rmtree(base, ignore_errors=True)


@dataclass
class MySqlStack:
    """The PostgreSQL ``stack`` with ``userDb`` (and so ``maestro``) in MariaDB."""

    stack: Stack
    server: MariaDbServer

    def source(self) -> Any:
        """A MySQLdb connection to ``userDb`` (utf8mb4, UTC, autocommit)."""
        import MySQLdb

        conn = MySQLdb.connect(
            host=self.server.host,
            port=self.server.port,
            user=self.server.user,
            passwd=self.server.password,
            db=SOURCE_DB,
            charset="utf8mb4",
            autocommit=True,
        )
        conn.cursor().execute("SET time_zone = '+00:00'")
        return conn

    def source_rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        conn = self.source()
        try:
            cursor = conn.cursor()
            cursor.execute(sql, params or None)
            return [tuple(r) for r in cursor.fetchall()]
        finally:
            conn.close()

    def source_execute(self, *statements: str) -> None:
        conn = self.source()
        try:
            cursor = conn.cursor()
            for sql in statements:
                cursor.execute(sql)
        finally:
            conn.close()

    def warehouse_rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.stack.warehouse() as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]


@pytest.fixture
def mysql_stack(
    stack: Stack, mariadb_server: MariaDbServer, monkeypatch: pytest.MonkeyPatch
) -> MySqlStack:
    """``userDb`` recreated in MariaDB with the seeded ``users``; ``maestro`` points at it."""
    mariadb.run_sql(mariadb_server, f"DROP DATABASE IF EXISTS {mariadb.quote_name(SOURCE_DB)};")
    seed_users_mysql(mariadb_server, SOURCE_DB, SEED_ROWS)
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_MAESTRO", mariadb_server.uri(SOURCE_DB))
    return MySqlStack(stack, mariadb_server)
