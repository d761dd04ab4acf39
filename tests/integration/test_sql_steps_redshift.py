"""The SQL step family on Redshift, up to the connection: the exact statements sent through
the real RedshiftSQLHook (its DB-API connection replaced by a recorder), staging on moto S3."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from airflow_dataduct.errors import StepFailed
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.operators.extract_redshift import ExtractRedshiftOperator
from airflow_dataduct.operators.load_redshift import LoadRedshiftOperator
from airflow_dataduct.operators.sql_command import CreateUpdateSqlOperator, SqlCommandOperator
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.staging.s3 import S3StagingStore
from airflow_dataduct.staging.writer import StagedWriter
from airflow_dataduct.tables.ddl import parse_table_sql
from tests.integration.conftest import MotoS3
from tests.integration.redshift_recorder import Recorder, on_redshift

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::123456789012:role/Load"
PREFIX = "events/run1/extract"
FORMAT = (
    "DELIMITER '\\t' ESCAPE NULL AS '\\\\N' TIMEFORMAT 'auto' DATEFORMAT 'auto' "
    "COMPUPDATE OFF STATUPDATE OFF"
)


@pytest.fixture
def staged(moto_s3: MotoS3) -> str:
    location = f"s3://{moto_s3.bucket}/etl"
    with StagedWriter(S3StagingStore(location), PREFIX, 1 << 20, ("id", "kind")) as writer:
        writer.write(b"1\ta\n2\tb\n3\t\\N\n", 3)
    return location


def load(staged: str, mode: str, **kwargs: Any) -> LoadRedshiftOperator:
    return LoadRedshiftOperator(
        task_id="load",
        schema="prod",
        table="events",
        insert_mode=mode,
        staging_location=staged,
        staging_prefix=PREFIX,
        warehouse_conn_id="redshift_wh",
        iam_role=ROLE,
        **kwargs,
    )


CATALOG = {
    "SELECT EXISTS": [(True,)],
    "SELECT column_name": [("id",), ("kind",)],
    "SELECT kcu.column_name": [("id",)],
    "SELECT pg_last_copy_count()": [(3,)],
}


def test_overwrite_existing_copies_into_a_temp_table_with_every_option(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = Recorder(CATALOG)
    operator = load(staged, "OVERWRITE_EXISTING", max_errors=5, replace_invalid_char="?")
    on_redshift(operator, monkeypatch, conn).execute({})
    statements = conn.statements()
    assert statements[4:] == [
        "CREATE TEMPORARY TABLE events_load_temp (LIKE prod.events)",
        f"COPY events_load_temp (id, kind) FROM '{staged}/{PREFIX}/copy.manifest' "
        f"IAM_ROLE '{ROLE}' MANIFEST GZIP {FORMAT} MAXERROR 5 ACCEPTINVCHARS AS '?'",
        "SELECT pg_last_copy_count()",
        "DELETE FROM prod.events USING events_load_temp WHERE prod.events.id = events_load_temp.id",
        "INSERT INTO prod.events (id, kind) SELECT id, kind FROM events_load_temp",
        "DROP TABLE IF EXISTS events_load_temp",
    ]
    assert (conn.autocommit, conn.commits, conn.rollbacks) == (False, 1, 0)


def test_truncate_deletes_in_the_transaction_then_copies(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = Recorder(CATALOG)
    on_redshift(load(staged, "TRUNCATE"), monkeypatch, conn).execute({})
    assert conn.statements()[4:6] == [
        "DELETE FROM prod.events",
        f"COPY prod.events (id, kind) FROM '{staged}/{PREFIX}/copy.manifest' "
        f"IAM_ROLE '{ROLE}' MANIFEST GZIP {FORMAT}",
    ]


def test_rejected_copy_rolls_back_reports_errors_and_keeps_the_staged_files(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = Recorder(CATALOG, fail_on="COPY")
    operator = on_redshift(load(staged, "APPEND"), monkeypatch, conn)
    with pytest.raises(StepFailed, match=r"'load' \(load-redshift\) failed: COPY failed"):
        operator.execute({})
    assert (conn.commits, conn.rollbacks) == (0, 1)
    assert any("FROM stl_load_errors" in s for s in conn.statements())
    assert S3StagingStore(staged).read_manifest(PREFIX).rows == 3


def test_max_errors_allows_one_rejected_row_fewer_than_its_value(
    staged: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {**CATALOG, "SELECT pg_last_copy_count()": [(1,)]}
    operator = on_redshift(load(staged, "APPEND", max_errors=2), monkeypatch, Recorder(answers))
    with pytest.raises(StepFailed, match=r"loaded 1 rows into prod\.events but 3 were staged"):
        operator.execute({})
    answers = {**CATALOG, "SELECT pg_last_copy_count()": [(2,)]}
    operator = on_redshift(load(staged, "APPEND", max_errors=2), monkeypatch, Recorder(answers))
    assert operator.execute({})["rows"] == 2


def test_unload_writes_the_staging_manifest_from_redshifts(
    moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = f"s3://{moto_s3.bucket}/etl"
    operator = ExtractRedshiftOperator(
        task_id="unload",
        schema="dev",
        table="categories",
        staging_location=location,
        staging_prefix=PREFIX,
        warehouse_conn_id="redshift_wh",
        iam_role=ROLE,
    )
    conn = Recorder({})

    def redshift_unloads(sql: str) -> None:
        """What Redshift does on UNLOAD: write the parts and the verbose manifest."""
        if not sql.startswith("UNLOAD"):
            return
        target = sql.split(" TO '")[1].split("'")[0]
        key = target.removeprefix(f"s3://{moto_s3.bucket}/")
        body = gzip.compress(b"1\tBeverages\n2\t\\N\n")
        moto_s3.client().put_object(Bucket=moto_s3.bucket, Key=f"{key}0000_part_00.gz", Body=body)
        manifest = {
            "entries": [
                {
                    "url": f"{target}0000_part_00.gz",
                    "meta": {"content_length": len(body), "record_count": 2},
                }
            ],
            "schema": {"elements": [{"name": "category_id"}, {"name": "name"}]},
        }
        moto_s3.client().put_object(
            Bucket=moto_s3.bucket, Key=f"{key}manifest", Body=json.dumps(manifest).encode()
        )

    conn.on_execute = redshift_unloads
    assert on_redshift(operator, monkeypatch, conn).execute({})["rows"] == 2
    (unload,) = conn.statements()
    attempt = unload.split(f"{PREFIX}/")[1].split("/")[0]
    assert unload == (
        "UNLOAD ('SELECT * FROM dev.categories') "
        f"TO '{location}/{PREFIX}/{attempt}/part-' IAM_ROLE '{ROLE}' "
        "MANIFEST VERBOSE GZIP DELIMITER '\\t' ESCAPE NULL AS '\\\\N' ALLOWOVERWRITE PARALLEL ON"
    )
    store = S3StagingStore(location)
    manifest = store.read_manifest(PREFIX)
    assert (manifest.rows, manifest.columns) == (2, ("category_id", "name"))
    assert b"".join(store.iter_records(manifest)) == b"1\tBeverages\n2\t\\N\n"
    copy_manifest = json.loads(store.read_text(PREFIX, "copy.manifest"))
    assert copy_manifest["entries"][0]["url"].endswith(f"{attempt}/part-0000_part_00.gz")


def test_sql_command_sets_the_wlm_queue_in_its_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = Recorder({})
    operator = SqlCommandOperator(
        task_id="cmd",
        sql="BEGIN; UPDATE dev.t SET a = %s WHERE b = %s; COMMIT;",
        script_arguments=["x", "4"],
        queue="etl_queue",
        warehouse_conn_id="redshift_wh",
        search_path=("prod",),
    )
    on_redshift(operator, monkeypatch, conn).execute({})
    assert conn.sent == [
        ("SET search_path TO prod", None),
        ("SET query_group TO 'etl_queue'", None),
        ("UPDATE dev.t SET a = %s WHERE b = %s", ("x", "4")),
    ]
    assert (conn.autocommit, conn.commits) == (False, 1)


def test_create_update_sql_creates_as_written_with_grants(monkeypatch: pytest.MonkeyPatch) -> None:
    table = parse_table_sql(
        "CREATE TABLE dev.test_table (id INTEGER PRIMARY KEY, description VARCHAR(255)) "
        "SORTKEY(id);"
    )
    permissions = DataductConfig.model_validate(
        {"database": {"permissions": [{"user": "bi", "permission": "SELECT"}]}}
    ).database.permissions
    conn = Recorder({"SELECT EXISTS": [(False,)]})
    operator = CreateUpdateSqlOperator(
        task_id="cus",
        table=table,
        sql="INSERT INTO dev.test_table SELECT * FROM dev.test_table_2 WHERE id < %s",
        script_arguments=["4"],
        warehouse_conn_id="redshift_wh",
        permissions=permissions,
    )
    on_redshift(operator, monkeypatch, conn).execute({})
    assert conn.statements()[1:] == [
        "CREATE SCHEMA IF NOT EXISTS dev",
        table.source_sql.replace("TABLE", "TABLE IF NOT EXISTS", 1),
        "GRANT SELECT ON dev.test_table TO bi WITH GRANT OPTION",
        "INSERT INTO dev.test_table SELECT * FROM dev.test_table_2 WHERE id < %s",
        "ANALYZE dev.test_table",
    ]
    assert conn.sent[4][1] == ("4",)


def test_upsert_from_sql_with_history_is_one_redshift_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow_dataduct.operators.upsert import UpsertOperator
    from airflow_dataduct.sql.history import history_statements
    from airflow_dataduct.sql.script import format_statements, split_statements
    from airflow_dataduct.sql.upsert import UpsertOptions, upsert_statements

    dest = parse_table_sql("CREATE TABLE dev.d (id INTEGER PRIMARY KEY, v VARCHAR(9));")
    history = parse_table_sql(
        "CREATE TABLE dev.h (effective_ts TIMESTAMP, expiration_ts TIMESTAMP, "
        "id INTEGER, v VARCHAR(9));"
    )
    options = UpsertOptions(history=history)
    select = "SELECT id, v FROM dev.s WHERE day = %s"
    operator = UpsertOperator(
        task_id="upsert",
        source=select,
        destination=dest,
        options=options,
        script_arguments=["2026-03-01"],
        warehouse_conn_id="redshift_wh",
    )
    conn = Recorder({"SELECT EXISTS": [(False,)]})
    on_redshift(operator, monkeypatch, conn)
    operator.prepare_sql(Dialect.REDSHIFT)
    operator.execute({})
    sent = [(s, p) for s, p in conn.sent if not s.startswith("SELECT")]
    generated = upsert_statements(select, dest, options, Dialect.REDSHIFT)
    assert generated[5:] == history_statements(history, dest, Dialect.REDSHIFT)
    shown = split_statements(format_statements(generated))  # what runs is what the UI shows
    assert len(shown) == len(generated)
    assert sent == [
        ("CREATE SCHEMA IF NOT EXISTS dev", None),
        (dest.source_sql.replace("TABLE", "TABLE IF NOT EXISTS", 1), None),
        ("CREATE SCHEMA IF NOT EXISTS dev", None),
        (history.source_sql.replace("TABLE", "TABLE IF NOT EXISTS", 1), None),
        *[(s, ("2026-03-01",) if i == 1 else ()) for i, s in enumerate(shown)],
        ("ANALYZE dev.d", None),
    ]
    assert (conn.commits, conn.rollbacks) == (1, 0)
