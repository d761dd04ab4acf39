"""The Redshift path up to the connection: the exact statements a load sends to Redshift.

Redshift cannot run here; the real RedshiftSQLHook is used with its DB-API connection replaced
by one that records statements, and staging is a real (moto) S3 bucket.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from airflow_dataduct.errors import StepFailed
from airflow_dataduct.operators.extract_files import commit_parts, stage_file
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.operators.load_redshift import LoadRedshiftOperator
from airflow_dataduct.sql.copy import CopyOptions
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.staging import interchange
from airflow_dataduct.staging.locations import listing_manifest
from airflow_dataduct.staging.s3 import S3StagingStore
from airflow_dataduct.staging.writer import StagedWriter
from airflow_dataduct.tables.ddl import parse_table_sql
from tests.integration.conftest import MotoS3
from tests.integration.redshift_recorder import Recorder, on_redshift

pytestmark = pytest.mark.integration

TABLE = parse_table_sql(
    "CREATE TABLE staging.events (id BIGINT NOT NULL ENCODE az64, kind VARCHAR(20)) "
    "DISTKEY (id) SORTKEY (id);",
    "tables/staging.events.sql",
)


def recorder(table_exists: bool, copied: int, fail_on: str = "") -> Recorder:
    """A Redshift session that knows whether the table exists and how many rows COPY loads."""
    answers = {
        "SELECT EXISTS": [(table_exists,)],
        "SELECT pg_last_copy_count()": [(copied,)],
        "SELECT column_name": [(c,) for c in TABLE.column_names],
    }
    return Recorder(answers, fail_on)


@pytest.fixture
def staged(moto_s3: MotoS3) -> str:
    store = S3StagingStore(f"s3://{moto_s3.bucket}/etl")
    with StagedWriter(store, "events/run1/extract", 1 << 20, ("id", "kind")) as writer:
        writer.write(b"1\ta\n2\tb\n3\t\\N\n", 3)
    return f"s3://{moto_s3.bucket}/etl"


def load_operator(
    staged: str,
    monkeypatch: pytest.MonkeyPatch,
    conn: Recorder,
    iam_role: str | None,
    **overrides: Any,
) -> CreateLoadRedshiftOperator:
    arguments: dict[str, Any] = {
        "task_id": "load",
        "table": TABLE,
        "staging_location": staged,
        "staging_prefix": "events/run1/extract",
        "warehouse_conn_id": "redshift_wh",
        "search_path": ("prod",),
        "iam_role": iam_role,
    }
    operator = CreateLoadRedshiftOperator(**{**arguments, **overrides})
    on_redshift(operator, monkeypatch, conn)
    return operator


def test_redshift_load_creates_deletes_and_copies_in_one_transaction(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = recorder(table_exists=False, copied=3)
    operator = load_operator(staged, monkeypatch, conn, "arn:aws:iam::123456789012:role/Load")
    assert operator.execute({}) == {"table": "staging.events", "rows": 3}
    manifest = f"{staged}/events/run1/extract/copy.manifest"
    assert conn.statements() == [
        "SET search_path TO prod",
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = 'staging' AND table_name = 'events')",
        "CREATE SCHEMA IF NOT EXISTS staging",
        TABLE.source_sql.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1),
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
    conn = recorder(table_exists=True, copied=3)
    operator = load_operator(staged, monkeypatch, conn, iam_role=None)
    operator.execute({})
    copy = next(s for s in conn.statements() if s.startswith("COPY"))
    assert "CREDENTIALS 'aws_access_key_id=testing;aws_secret_access_key=testing'" in copy
    operator.prepare_sql(Dialect.REDSHIFT)
    assert "testing" not in operator.load_sql, "rendered SQL never shows credentials"
    assert "IAM_ROLE '<from connection>'" in operator.load_sql


def test_failed_redshift_copy_rolls_back_and_reports_stl_load_errors(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = recorder(table_exists=True, copied=0, fail_on="COPY")
    operator = load_operator(staged, monkeypatch, conn, "arn:aws:iam::123456789012:role/Load")
    with pytest.raises(RuntimeError, match="stl_load_errors"):
        operator.execute({})
    assert conn.commits == 0 and conn.rollbacks >= 1
    report = [s for s in conn.statements() if "FROM stl_load_errors" in s]
    assert report, "the load errors are read on a second session after the failure"
    assert "events/run1/extract%'" in report[0]


def test_copy_count_mismatch_fails_the_load(staged: str, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = recorder(table_exists=True, copied=2)
    operator = load_operator(staged, monkeypatch, conn, "arn:aws:iam::123456789012:role/Load")
    with pytest.raises(RuntimeError, match=r"loaded 2 rows into staging\.events but 3 were staged"):
        operator.execute({})
    assert conn.commits == 0 and conn.rollbacks == 1


LANDING = {
    # gzip: NULL, a CRLF record, a blank CRLF line, an empty field, a CR inside a value
    "landing/day=1/part-0.gz": gzip.compress(b"1\tNULL\r\n\r\n2\t\r\n3\tcr\\\r\r\n"),
    # plain: a leading blank line, an escaped TAB, the string 'NULL', a trailing blank line
    "landing/day=1/part-1": b"\n4\ta\\\tb\n5\t\\NULL\n\n",
}
READER_ROWS = [["1", None], ["2", ""], ["3", "cr\r"], ["4", "a\tb"], ["5", "NULL"]]


def restaged_rows(store: S3StagingStore, prefix: str) -> list[list[str | None]]:
    manifest = store.read_manifest(prefix)
    assert manifest.format == interchange.FORMAT_NAME
    return list(interchange.parse_records(store.iter_records(manifest)))


def test_input_path_is_restaged_through_our_reader_and_redshift_copies_those_parts(
    staged: str, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = moto_s3.client()
    for key, body in LANDING.items():
        client.put_object(Bucket=moto_s3.bucket, Key=key, Body=body)
    listing = listing_manifest(f"s3://{moto_s3.bucket}/landing/day=1/")
    reader = list(interchange.parse_records(S3StagingStore(staged).iter_records(listing)))
    assert reader == READER_ROWS, "our reader: blank lines skipped, CR before LF dropped"
    conn = recorder(table_exists=True, copied=5)
    operator = load_operator(
        staged,
        monkeypatch,
        conn,
        "arn:aws:iam::123456789012:role/Load",
        staging_prefix="events/run1/load",
        input_layout="listing",
        input_uri=f"s3://{moto_s3.bucket}/landing/day=1/",
        copy_options=CopyOptions(max_errors=4, replace_invalid_char="?"),
    )
    published: list[str] = []
    conn.on_execute = lambda sql: published.extend(moto_s3.keys("etl/events/run1/load/"))
    assert operator.execute({}) == {"table": "staging.events", "rows": 5}
    copy = next(s for s in conn.statements() if s.startswith("COPY"))
    assert copy == (
        f"COPY staging.events (id, kind) FROM '{staged}/events/run1/load/copy.manifest' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/Load' MANIFEST "
        "GZIP DELIMITER '\\t' ESCAPE NULL AS '\\\\N' TIMEFORMAT 'auto' DATEFORMAT 'auto' "
        "COMPUPDATE OFF STATUPDATE OFF MAXERROR 4 ACCEPTINVCHARS AS '?'"
    )
    assert len(sqlglot.parse(copy, read="redshift")) == 1
    operator.prepare_sql(Dialect.REDSHIFT)
    assert operator.load_sql == copy, "the rendered SQL is the COPY that ran"
    assert "etl/events/run1/load/copy.manifest" in published, "written before the COPY"
    store = S3StagingStore(staged)
    assert restaged_rows(store, "events/run1/load") == reader, "Redshift gets our reader's rows"
    body = client.get_object(Bucket=moto_s3.bucket, Key="etl/events/run1/load/copy.manifest")
    entries = [e["url"] for e in json.loads(body["Body"].read())["entries"]]
    parts = store.read_manifest("events/run1/load").parts
    assert entries == [store.uri("events/run1/load", p.name) for p in parts]
    assert all(re.fullmatch(r"attempt-\w+/part-\d{5}\.tsv\.gz", p.name) for p in parts)
    assert moto_s3.keys("landing/") == sorted(LANDING), "the input_path data is untouched"


def test_input_path_read_as_it_is_with_no_escape_is_copied_in_place(
    staged: str, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_s3.client().put_object(Bucket=moto_s3.bucket, Key="landing/raw/p.gz", Body=b"")
    conn = recorder(table_exists=True, copied=0)
    operator = load_operator(
        staged,
        monkeypatch,
        conn,
        "arn:aws:iam::1:role/r",
        staging_prefix="events/run1/load",
        input_layout="listing",
        input_uri=f"s3://{moto_s3.bucket}/landing/raw/",
        copy_options=CopyOptions(escape=False),
    )
    operator.execute({})
    copy = next(s for s in conn.statements() if s.startswith("COPY"))
    assert "GZIP DELIMITER '\\t' NULL AS 'NULL'" in copy
    body = moto_s3.client().get_object(
        Bucket=moto_s3.bucket, Key="etl/events/run1/load/copy.manifest"
    )
    urls = [e["url"] for e in json.loads(body["Body"].read())["entries"]]
    assert urls == [f"s3://{moto_s3.bucket}/landing/raw/p.gz"]
    operator.prepare_sql(Dialect.REDSHIFT)
    assert operator.load_sql == copy


def test_dataduct_tsv_staged_by_extract_local_is_restaged_and_removed_after_the_commit(
    staged: str, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    source = tmp_path / "events.tsv"
    source.write_bytes(b"1\ta\r\n\r\n2\tNULL\r\n")
    store = S3StagingStore(staged)
    part = stage_file(store, "events/run1/local", source, "events.tsv", "attempt-1")
    commit_parts(store, "events/run1/local", [part], "attempt-1")
    before = moto_s3.keys("etl/events/run1/local/")
    for retain in (True, False):
        conn = recorder(table_exists=True, copied=2)
        operator = load_operator(
            staged,
            monkeypatch,
            conn,
            "arn:aws:iam::1:role/r",
            staging_prefix="events/run1/local",
            restage_prefix="events/run1/load",
            remove_restaged=not retain,
        )
        assert operator.execute({})["rows"] == 2
        copy = next(s for s in conn.statements() if s.startswith("COPY"))
        assert f"FROM '{staged}/events/run1/load/copy.manifest'" in copy
        assert "NULL AS '\\\\N'" in copy
        kept = moto_s3.keys("etl/events/run1/load/")
        assert bool(kept) is retain, "re-staged parts removed after the commit unless retained"
    assert moto_s3.keys("etl/events/run1/local/") == before, "the producer's output is kept"


def test_input_path_load_removes_only_its_own_manifests_after_the_commit(
    staged: str, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = moto_s3.client()
    client.put_object(Bucket=moto_s3.bucket, Key="landing/x/part-0", Body=b"1\tNULL\n")
    operator = load_operator(
        staged,
        monkeypatch,
        recorder(table_exists=True, copied=1),
        "arn:aws:iam::1:role/r",
        staging_prefix="events/run1/load",
        input_layout="listing",
        input_uri=f"s3://{moto_s3.bucket}/landing/x/",
        remove_staged=True,
    )
    operator.execute({})
    assert moto_s3.keys("etl/events/run1/load/") == []
    assert moto_s3.keys("landing/") == ["landing/x/part-0"]


def test_force_drop_table_drops_and_creates_inside_the_load_transaction(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = recorder(table_exists=False, copied=3)
    operator = load_operator(
        staged, monkeypatch, conn, "arn:aws:iam::1:role/r", recreate_table=True
    )
    operator.execute({})
    assert conn.statements()[1:3] == [
        "DROP TABLE IF EXISTS staging.events",
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables "
        "WHERE table_schema = 'staging' AND table_name = 'events')",
    ]
    assert TABLE.source_sql.replace("TABLE", "TABLE IF NOT EXISTS", 1) in conn.statements()
    assert (conn.commits, conn.rollbacks) == (1, 0)


def test_an_empty_extract_loads_no_rows_without_a_copy(
    moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = f"s3://{moto_s3.bucket}/etl"
    with StagedWriter(S3StagingStore(staged), "events/run1/extract", 1 << 20, ("id", "kind")):
        pass
    conn = recorder(table_exists=True, copied=0)
    operator = load_operator(staged, monkeypatch, conn, "arn:aws:iam::1:role/r")
    assert operator.execute({}) == {"table": "staging.events", "rows": 0}
    assert "DELETE FROM staging.events" in conn.statements()
    assert not [s for s in conn.statements() if s.startswith("COPY")]
    assert (conn.commits, conn.rollbacks) == (1, 0)


def test_a_local_input_path_read_as_it_is_is_refused_by_a_redshift_load_before_any_sql(
    staged: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "part-0").write_bytes(b"1\tNULL\n")
    conn = recorder(table_exists=True, copied=1)
    operator = load_operator(
        staged,
        monkeypatch,
        conn,
        "arn:aws:iam::1:role/r",
        staging_prefix="events/run1/load",
        input_layout="listing",
        input_uri=str(tmp_path),
        copy_options=CopyOptions(escape=False),
    )
    with pytest.raises(ValueError, match=r"Redshift reads from S3; input_path .* is not on S3"):
        operator.execute({})
    assert conn.statements() == []


def test_a_local_input_path_is_restaged_to_s3_and_loaded(
    staged: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "part-0").write_bytes(b"1\tNULL\n\n2\tb\n")
    conn = recorder(table_exists=True, copied=2)
    operator = load_operator(
        staged,
        monkeypatch,
        conn,
        "arn:aws:iam::1:role/r",
        staging_prefix="events/run1/load",
        input_layout="listing",
        input_uri=str(tmp_path),
    )
    assert operator.execute({})["rows"] == 2
    assert restaged_rows(S3StagingStore(staged), "events/run1/load") == [["1", None], ["2", "b"]]


# -- the text \N, which Redshift's COPY cannot tell from NULL -------------------------------


@pytest.fixture
def staged_backslash_n(moto_s3: MotoS3) -> str:
    store = S3StagingStore(f"s3://{moto_s3.bucket}/etl")
    with StagedWriter(store, "events/run1/extract", 1 << 20, ("id", "kind")) as writer:
        writer.write(interchange.format_rows([(1, "\\N"), (2, None), (3, "\\N")]), 3)
    return f"s3://{moto_s3.bucket}/etl"


def test_a_redshift_load_of_the_text_backslash_n_is_refused_before_any_sql(
    staged_backslash_n: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = recorder(table_exists=True, copied=3)
    operator = load_operator(staged_backslash_n, monkeypatch, conn, "arn:aws:iam::1:role/r")
    with pytest.raises(StepFailed) as failure:
        operator.execute({})
    message = str(failure.value)
    assert "step 'load' (create-load-redshift)" in message
    assert "2 staged value(s)" in message
    assert "cannot tell the value \\N from NULL" in message
    assert conn.statements() == [], "nothing was sent to Redshift"
    assert (conn.commits, conn.rollbacks) == (0, 0)


def test_load_redshift_refuses_the_text_backslash_n_before_any_sql(
    staged_backslash_n: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = recorder(table_exists=True, copied=3)
    operator = LoadRedshiftOperator(
        task_id="append",
        schema="staging",
        table="events",
        insert_mode="APPEND",
        staging_location=staged_backslash_n,
        staging_prefix="events/run1/extract",
        warehouse_conn_id="redshift_wh",
        iam_role="arn:aws:iam::1:role/r",
    )
    on_redshift(operator, monkeypatch, conn)
    with pytest.raises(StepFailed, match=r"'append' \(load-redshift\).* 2 staged value\(s\)"):
        operator.execute({})
    assert conn.statements() == []


def test_the_text_backslash_n_in_input_path_data_is_refused_after_restaging(
    staged: str, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"1\t\\\\N\n2\tNULL\n"  # Dataduct TSV: the text \N, then NULL
    moto_s3.client().put_object(Bucket=moto_s3.bucket, Key="landing/n/p", Body=body)
    conn = recorder(table_exists=True, copied=2)
    operator = load_operator(
        staged,
        monkeypatch,
        conn,
        "arn:aws:iam::1:role/r",
        staging_prefix="events/run1/load",
        input_layout="listing",
        input_uri=f"s3://{moto_s3.bucket}/landing/n/",
    )
    with pytest.raises(StepFailed, match=r"1 staged value\(s\) .* exactly the text \\N"):
        operator.execute({})
    assert conn.statements() == []
