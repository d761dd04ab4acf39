"""The Redshift path up to the connection: the exact statements a load sends to Redshift.

Redshift cannot run here; the real RedshiftSQLHook is used with its DB-API connection replaced
by one that records statements, and staging is a real (moto) S3 bucket.
"""

from __future__ import annotations

from typing import Any

import pytest

from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.s3_staging import S3StagingStore
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.tables.ddl import parse_table_sql
from tests.integration.conftest import MotoS3

pytestmark = pytest.mark.integration

TABLE = parse_table_sql(
    "CREATE TABLE staging.events (id BIGINT NOT NULL ENCODE az64, kind VARCHAR(20)) "
    "DISTKEY (id) SORTKEY (id);",
    "tables/staging.events.sql",
)


class RecordingCursor:
    """A DB-API cursor that records statements and answers the few queries a load asks."""

    def __init__(self, conn: RecordingConnection) -> None:
        self.conn = conn
        self.rowcount = -1
        self._row: tuple[Any, ...] | None = None

    def execute(self, sql: str, *args: Any) -> None:
        self.conn.statements.append(sql)
        if self.conn.fail_on and sql.startswith(self.conn.fail_on):
            raise RuntimeError("Load into table 'events' failed. Check 'stl_load_errors'")
        self._row = None
        if sql.startswith("SELECT EXISTS"):
            self._row = (self.conn.table_exists,)
        elif sql.startswith("SELECT pg_last_copy_count()"):
            self._row = (self.conn.copied,)
        elif sql.startswith("SELECT column_name"):
            self._rows = [(c,) for c in TABLE.column_names]

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._row

    def fetchall(self) -> list[tuple[Any, ...]]:
        return getattr(self, "_rows", [])

    def close(self) -> None:
        pass


class RecordingConnection:
    def __init__(
        self,
        table_exists: bool,
        copied: int,
        fail_on: str | None = None,
        log: list[str] | None = None,
    ) -> None:
        self.statements: list[str] = [] if log is None else log
        self.table_exists = table_exists
        self.copied = copied
        self.fail_on = fail_on
        self.commits = 0
        self.rollbacks = 0
        self.autocommit = True

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        self.rollbacks += 1

    def close(self) -> None:
        pass


@pytest.fixture
def staged(moto_s3: MotoS3) -> str:
    store = S3StagingStore(f"s3://{moto_s3.bucket}/etl")
    with store.writer("events/run1/extract", 1 << 20, ("id", "kind")) as writer:
        writer.write(b"1\ta\n2\tb\n3\t\\N\n", 3)
    return f"s3://{moto_s3.bucket}/etl"


def load_operator(
    staged: str, monkeypatch: pytest.MonkeyPatch, conn: RecordingConnection, iam_role: str | None
) -> CreateLoadRedshiftOperator:
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT_WH", "redshift://etl:secret@redshift.example:5439/dw")
    operator = CreateLoadRedshiftOperator(
        task_id="load",
        table=TABLE,
        staging_location=staged,
        staging_prefix="events/run1/extract",
        warehouse_conn_id="redshift_wh",
        search_path=("prod",),
        iam_role=iam_role,
    )
    assert operator.warehouse.dialect is Dialect.REDSHIFT
    sessions = iter([conn, RecordingConnection(True, 0, log=conn.statements)])
    monkeypatch.setattr(operator.warehouse.hook, "get_conn", lambda: next(sessions))
    return operator


def test_redshift_load_creates_deletes_and_copies_in_one_transaction(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = RecordingConnection(table_exists=False, copied=3)
    operator = load_operator(staged, monkeypatch, conn, "arn:aws:iam::123456789012:role/Load")
    assert operator.execute({}) == {"table": "staging.events", "rows": 3}
    manifest = f"{staged}/events/run1/extract/copy.manifest"
    assert conn.statements == [
        "SET search_path TO prod",
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = 'staging' AND table_name = 'events')",
        "CREATE SCHEMA IF NOT EXISTS staging",
        TABLE.source_sql,
        "LOCK staging.events",
        "DELETE FROM staging.events",
        f"COPY staging.events (id, kind) FROM '{manifest}' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/Load' MANIFEST "
        "GZIP DELIMITER '\\t' ESCAPE NULL AS '\\\\N' TIMEFORMAT 'auto' DATEFORMAT 'auto' "
        "COMPUPDATE OFF STATUPDATE OFF",
        "SELECT pg_last_copy_count()",
    ]
    assert (conn.autocommit, conn.commits, conn.rollbacks) == (False, 1, 0)


def test_redshift_load_uses_the_aws_connection_keys_without_an_iam_role(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = RecordingConnection(table_exists=True, copied=3)
    operator = load_operator(staged, monkeypatch, conn, iam_role=None)
    operator.execute({})
    copy = next(s for s in conn.statements if s.startswith("COPY"))
    assert "CREDENTIALS 'aws_access_key_id=testing;aws_secret_access_key=testing'" in copy
    operator.prepare_sql(Dialect.REDSHIFT)
    assert "testing" not in operator.load_sql, "rendered SQL never shows credentials"
    assert "IAM_ROLE '<from connection>'" in operator.load_sql


def test_failed_redshift_copy_rolls_back_and_reports_stl_load_errors(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = RecordingConnection(table_exists=True, copied=0, fail_on="COPY")
    operator = load_operator(staged, monkeypatch, conn, "arn:aws:iam::123456789012:role/Load")
    with pytest.raises(RuntimeError, match="stl_load_errors"):
        operator.execute({})
    assert conn.commits == 0 and conn.rollbacks >= 1
    report = [s for s in conn.statements if "FROM stl_load_errors" in s]
    assert report, "the load errors are read on a second session after the failure"
    assert "events/run1/extract%'" in report[0]


def test_copy_count_mismatch_fails_the_load(staged: str, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = RecordingConnection(table_exists=True, copied=2)
    operator = load_operator(staged, monkeypatch, conn, "arn:aws:iam::123456789012:role/Load")
    with pytest.raises(RuntimeError, match=r"loaded 2 rows into staging\.events but 3 were staged"):
        operator.execute({})
    assert conn.commits == 0 and conn.rollbacks == 1
