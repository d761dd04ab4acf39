"""S3 staging through the Airflow AWS connection, against moto: source -> S3 -> warehouse."""

from __future__ import annotations

import gzip
import json

import pytest

from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.staging.s3 import S3StagingStore
from airflow_dataduct.staging.writer import StagedWriter
from tests.integration.conftest import MotoS3, Stack

pytestmark = pytest.mark.integration


def use_s3_staging(stack: Stack, s3: MotoS3) -> None:
    config = stack.definitions / "dataduct.yaml"
    text = config.read_text().replace(
        f"location: {stack.staging}", f"location: s3://{s3.bucket}/etl\n  retain: true"
    )
    config.write_text(text)


def test_users_pipeline_stages_on_s3_and_loads_the_warehouse(stack: Stack, moto_s3: MotoS3) -> None:
    use_s3_staging(stack, moto_s3)
    dag = load_dags(stack.definitions)["users"]
    assert dag.test().state == "success"
    keys = moto_s3.keys("etl/users/")
    assert any(k.endswith("/ExtractRdsStep0/manifest.json") for k in keys)
    assert any(k.endswith("/ExtractRdsStep0/copy.manifest") for k in keys)
    parts = [k for k in keys if k.endswith(".tsv.gz")]
    assert parts and all("/attempt-" in k for k in parts)
    with stack.source() as source, stack.warehouse() as warehouse:
        expected = source.execute("SELECT id, user_name, user_email FROM users ORDER BY id")
        loaded = warehouse.execute(
            "SELECT user_id, user_name, user_email FROM prod.users ORDER BY user_id"
        )
        assert loaded.fetchall() == expected.fetchall()


def test_s3_store_writes_a_redshift_copy_manifest_of_the_committed_parts(moto_s3: MotoS3) -> None:
    store = S3StagingStore(f"s3://{moto_s3.bucket}/base")
    with StagedWriter(store, "dag/run/step", part_size=4, columns=("a",)) as writer:
        writer.write(b"1\n2\n", 2)
        writer.write(b"3\n", 1)
    manifest = store.read_manifest("dag/run/step")
    assert manifest.rows == 3
    assert [p.rows for p in manifest.parts] == [2, 1]
    copy_manifest = json.loads(store.read_text("dag/run/step", "copy.manifest"))
    assert [e["url"] for e in copy_manifest["entries"]] == [
        f"s3://{moto_s3.bucket}/base/dag/run/step/{p.name}" for p in manifest.parts
    ]
    assert b"".join(store.iter_records(manifest)) == b"1\n2\n3\n"
    raw = (
        moto_s3.client()
        .get_object(Bucket=moto_s3.bucket, Key=f"base/dag/run/step/{manifest.parts[0].name}")[
            "Body"
        ]
        .read()
    )
    assert gzip.decompress(raw) == b"1\n2\n"


def test_s3_retry_replaces_the_previous_attempt(moto_s3: MotoS3) -> None:
    store = S3StagingStore(f"s3://{moto_s3.bucket}/base")
    for value in (b"old\n", b"new\n"):
        with StagedWriter(store, "d/r/s", part_size=1 << 20) as writer:
            writer.write(value, 1)
    with pytest.raises(RuntimeError), StagedWriter(store, "d/r/s", part_size=1 << 20) as writer:
        writer.write(b"half\n", 1)
        raise RuntimeError("extract died")
    manifest = store.read_manifest("d/r/s")
    assert b"".join(store.iter_records(manifest)) == b"new\n"
    parts = [k for k in moto_s3.keys("base/d/r/s/") if k.endswith(".tsv.gz")]
    assert len(parts) == 1


def test_extract_output_path_receives_a_copy_of_the_staged_output(
    stack: Stack, moto_s3: MotoS3
) -> None:
    users = stack.definitions / "users.yaml"
    users.write_text(
        users.read_text().replace(
            "    database: userDb\n",
            f"    database: userDb\n    output_path: s3://{moto_s3.bucket}/exports/users\n",
        )
    )
    assert load_dags(stack.definitions)["users"].test().state == "success"
    keys = moto_s3.keys("exports/users/")
    assert "exports/users/manifest.json" in keys
    store = S3StagingStore(f"s3://{moto_s3.bucket}/exports/users")
    manifest = store.read_manifest("")
    assert manifest.compression == "none", "a copy of the local staging's plain parts"
    assert sorted(k for k in keys if k.endswith(".tsv")) == [
        f"exports/users/{p.name}" for p in manifest.parts
    ]
    assert manifest.rows == 20_000
    assert sum(p.rows for p in manifest.parts) == 20_000


def test_extract_local_and_extract_redshift_copy_to_their_output_paths(
    stack: Stack, moto_s3: MotoS3
) -> None:
    (stack.definitions / "data").mkdir()
    (stack.definitions / "data" / "rows.tsv").write_text("1\tone\n2\tNULL\n")
    with stack.warehouse() as warehouse:
        warehouse.execute("CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 7) g")
    (stack.definitions / "exports.yaml").write_text(
        "name: exports\nsteps:\n"
        "-   step_type: extract-local\n    name: local_rows\n    path: data/rows.tsv\n"
        f"    output_path: s3://{moto_s3.bucket}/exports/local\n"
        "-   step_type: extract-redshift\n    name: warehouse_rows\n"
        "    schema: public\n    table: items\n"
        f"    output_path: s3://{moto_s3.bucket}/exports/items\n"
    )
    assert load_dags(stack.definitions)["exports"].test().state == "success"
    for folder, rows in (("local", 2), ("items", 7)):
        store = S3StagingStore(f"s3://{moto_s3.bucket}/exports/{folder}")
        assert store.read_manifest("").rows == rows


def test_transform_output_path_receives_each_output_node(stack: Stack, moto_s3: MotoS3) -> None:
    (stack.definitions / "data").mkdir()
    (stack.definitions / "data" / "rows.tsv").write_text("1\tone\n2\tNULL\n3\tthree\n")
    (stack.definitions / "split.yaml").write_text(
        "name: split\nsteps:\n"
        "-   step_type: extract-local\n    path: data/rows.tsv\n"
        "-   step_type: transform\n"
        "    command: >-\n"
        '      head -n 1 "$INPUT1_STAGING_DIR"/* > "$OUTPUT1_STAGING_DIR/first/rows.tsv";\n'
        '      tail -n +2 "$INPUT1_STAGING_DIR"/* > "$OUTPUT1_STAGING_DIR/rest/rows.tsv"\n'
        "    output_node: [first, rest]\n"
        f"    output_path: s3://{moto_s3.bucket}/exports/split\n"
    )
    assert load_dags(stack.definitions)["split"].test().state == "success"
    for node, rows in (("first", 1), ("rest", 2)):
        store = S3StagingStore(f"s3://{moto_s3.bucket}/exports/split/{node}")
        manifest = store.read_manifest("")
        assert manifest.rows == rows
        assert len(manifest.parts) == 1
