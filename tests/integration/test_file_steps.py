"""extract-local, extract-s3 and transform against real staging (local and moto S3) and the
local PostgreSQL warehouse."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

import pytest

from airflow_dataduct.errors import TransformFailed
from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.operators.transform import TransformOperator
from airflow_dataduct.staging.dataduct_tsv import FORMAT_NAME as DATADUCT_TSV
from airflow_dataduct.staging.store import LocalStagingStore
from tests.integration.conftest import ROOT, MotoS3, Stack

pytestmark = pytest.mark.integration

USERS_ROUND_TRIP = """\
name: users_round_trip
steps:
-   step_type: extract-rds
    sql: SELECT id, user_name, user_email FROM users
    host_name: maestro
-   step_type: transform
    name: copy_files
    command: cp -r "$INPUT1_STAGING_DIR"/. "$OUTPUT1_STAGING_DIR"
-   step_type: create-load-redshift
    table_definition: tables/staging.maestro_users.sql
"""


def write_pipeline(stack: Stack, name: str, text: str) -> None:
    (stack.definitions / f"{name}.yaml").write_text(text)


def test_transform_passes_every_value_through_dataduct_tsv_unchanged(stack: Stack) -> None:
    """extract-rds (interchange) -> transform (Dataduct TSV files) -> load: tabs, newlines,
    backslashes, '', 'NULL' and NULL arrive as they left."""
    write_pipeline(stack, "users_round_trip", USERS_ROUND_TRIP)
    dag = load_dags(stack.definitions)["users_round_trip"]
    assert dag.test().state == "success"
    with stack.source() as source, stack.warehouse() as warehouse:
        expected = source.execute("SELECT id, user_name, user_email FROM users ORDER BY id")
        loaded = warehouse.execute(
            "SELECT id, user_name, user_email FROM staging.maestro_users ORDER BY id"
        )
        expected_rows = expected.fetchall()
        assert loaded.fetchall() == expected_rows
    names = {r[1] for r in expected_rows}
    assert {"NULL", ""} <= names and any(r[2] is None for r in expected_rows)


def transform(tmp_path: Path, command: str, **kwargs: object) -> TransformOperator:
    return TransformOperator(
        task_id="t",
        command=command,
        staging_location=str(tmp_path / "staging"),
        output_prefix="dag/run/t",
        **kwargs,  # type: ignore[arg-type]
    )


def test_failing_script_reports_exit_code_and_stderr_and_discards_output(tmp_path: Path) -> None:
    operator = transform(
        tmp_path, 'echo partial > "$OUTPUT1_STAGING_DIR/out.tsv"; echo "bad input" >&2; exit 3'
    )
    with pytest.raises(TransformFailed) as exc:
        operator.execute({})
    assert "exited with code 3" in str(exc.value)
    assert "bad input" in str(exc.value)
    assert not (tmp_path / "staging" / "dag" / "run" / "t").exists()


def test_transform_arguments_and_staging_variables(tmp_path: Path) -> None:
    store = LocalStagingStore(tmp_path / "staging")
    source = tmp_path / "in.tsv"
    source.write_bytes(b"1\ta\n2\tNULL\n")
    from airflow_dataduct.operators.extract_files import commit_parts, stage_file

    commit_parts(
        store,
        "dag/run/x",
        [stage_file(store, "dag/run/x", source, "in.tsv", "attempt-1")],
        "attempt-1",
    )
    operator = transform(
        tmp_path,
        'cat "$INPUT1_STAGING_DIR/x/in.tsv" > "$OUTPUT1_STAGING_DIR/out.tsv"; '
        'echo "$1|$2" > "$OUTPUT1_STAGING_DIR/args.txt"',
        arguments=["--day=2026-03-01", "plain"],
        inputs=[["x", "dag/run/x"]],
    )
    result = operator.execute({})
    manifest = store.read_manifest("dag/run/t")
    assert manifest.format == DATADUCT_TSV
    assert result == {"output": {"files": 2, "rows": 3}}
    parts = {p.name.split("/", 1)[1]: p for p in manifest.parts}
    args = gzip.decompress((store.root / "dag/run/t" / parts["args.txt.gz"].name).read_bytes())
    assert args == b"--day=2026-03-01|plain\n"
    assert b"".join(store.iter_records(manifest)).count(b"\\N") == 1


def test_extract_local_and_transform_on_s3_staging(stack: Stack, moto_s3: MotoS3) -> None:
    config = stack.definitions / "dataduct.yaml"
    config.write_text(
        config.read_text().replace(
            f"location: {stack.staging}", f"location: s3://{moto_s3.bucket}/etl"
        )
    )
    data = stack.definitions / "data"
    data.mkdir()
    (data / "rows.tsv").write_text("1\tone\n2\tNULL\n\n")
    client = moto_s3.client()
    client.put_object(Bucket=moto_s3.bucket, Key="raw/a/part-0", Body=b"7\tseven\n")
    client.put_object(Bucket=moto_s3.bucket, Key="raw/a/part-1.gz", Body=gzip.compress(b"8\t\n"))
    write_pipeline(
        stack,
        "files_on_s3",
        f"""\
name: files_on_s3
steps:
-   step_type: extract-local
    name: local
    path: data/rows.tsv
-   step_type: extract-s3
    name: remote
    directory_uri: s3://{moto_s3.bucket}/raw/a
-   step_type: transform
    command: cat "$INPUT1_STAGING_DIR"/*/* | sort > "$OUTPUT1_STAGING_DIR/all.tsv"
    input_node:
        local: l
        remote: r
-   step_type: transform
    name: from_path
    input_path: s3://{moto_s3.bucket}/raw/a
    command: ls "$INPUT1_STAGING_DIR" > "$OUTPUT1_STAGING_DIR/names.txt"
""",
    )
    dag = load_dags(stack.definitions)["files_on_s3"]
    assert dag.test().state == "success"
    keys = moto_s3.keys("etl/files_on_s3/")
    (combined,) = [k for k in keys if k.endswith("/TransformStep0/manifest.json")]
    body = client.get_object(Bucket=moto_s3.bucket, Key=combined)["Body"].read()
    assert b'"rows": 4' in body
    (names,) = [k for k in keys if "/from_path/" in k and k.endswith("names.txt.gz")]
    listed = gzip.decompress(client.get_object(Bucket=moto_s3.bucket, Key=names)["Body"].read())
    assert listed == b"part-0\npart-1\n"


def test_custom_step_example_runs_on_the_stack(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = stack.definitions.parent / "custom_steps"
    shutil.copytree(ROOT / "dag_definitions" / "custom_steps", folder)
    config = folder / "dataduct.yaml"
    config.write_text(
        config.read_text().replace("location: ../../.local/staging", f"location: {stack.staging}")
    )
    monkeypatch.setenv("DATADUCT_DEFINITIONS_DIR", str(folder))
    assert load_dags(folder)["custom_step_example"].test().state == "success"
    with stack.warehouse() as warehouse:
        rows = warehouse.execute(
            "SELECT id, greeting FROM staging.greetings ORDER BY id"
        ).fetchall()
    assert rows == [(1, "hello"), (2, "bonjour"), (3, None)]


def test_transform_reads_a_plain_s3_prefix_input(tmp_path: Path, moto_s3: MotoS3) -> None:
    """An EMR step's output is a prefix of part files without a manifest."""
    client = moto_s3.client()
    client.put_object(Bucket=moto_s3.bucket, Key="emr/out/part-00000", Body=b"a\t1\n")
    client.put_object(Bucket=moto_s3.bucket, Key="emr/out/_SUCCESS", Body=b"")
    operator = transform(
        tmp_path,
        'ls "$INPUT1_STAGING_DIR/words" > "$OUTPUT1_STAGING_DIR/names.txt"',
        inputs=[["words", f"s3://{moto_s3.bucket}/emr/out/"]],
    )
    assert operator.execute({}) == {"output": {"files": 1, "rows": 1}}
    store = LocalStagingStore(tmp_path / "staging")
    assert b"".join(store.iter_records(store.read_manifest("dag/run/t"))) == b"part-00000\n"


def test_dp_expressions_render_from_the_run_interval(stack: Stack) -> None:
    write_pipeline(
        stack,
        "dp_dates",
        """\
name: dp_dates
frequency: daily
steps:
-   step_type: transform
    command: echo "$1 $2" > "$OUTPUT1_STAGING_DIR/day.txt"
    script_arguments:
    -   "#{format(minusDays(@scheduledStartTime, 1), 'YYYY-MM-dd')}"
    -   {end: "#{format(@scheduledEndTime, 'YYYYMMdd-HH')}"}
""",
    )
    dag = load_dags(stack.definitions)["dp_dates"]
    day = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.timezone.utc)
    assert dag.test(logical_date=day).state == "success"
    (part,) = stack.staging.rglob("day.txt.gz")
    # a manual run at 2026-03-01 01:00 covers the interval [2026-02-28 01:00, 2026-03-01 01:00)
    assert gzip.decompress(part.read_bytes()) == b"2026-02-27 --end=20260301-01\n"
