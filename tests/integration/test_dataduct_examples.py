"""Dataduct's own example pipelines (tests/fixtures/dataduct_examples, unchanged): every one
validates with Dataduct's graph, and those that need no external system run on the local stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.pipeline import Pipeline, pipeline_files, read_pipeline
from airflow_dataduct.staging.s3 import S3StagingStore
from tests.integration.conftest import SOURCE_DB, MotoS3, Stack
from tests.integration.examples_support import EXAMPLES, RUN_DATE, run

pytestmark = pytest.mark.integration


GRAPHS: dict[str, dict[str, set[str]]] = {
    "example_bootstrap": {"bootstrap_override": set(), "TransformStep0": set()},
    "example_column_check": {"ColumnCheckStep0": set()},
    "example_count_check": {"CountCheckStep0": set()},
    "example_create_and_load_redshift": {
        "ExtractLocalStep0": set(),
        "CreateAndLoadStep0": {"ExtractLocalStep0"},
    },
    "example_create_update_sql": {"CreateUpdateSqlStep0": set()},
    "example_custom_extract_local": {"CustomExtractLocalStep0": set()},
    "example_double_input": {"step1": set(), "step2": set(), "TransformStep0": {"step1", "step2"}},
    "example_double_output": {
        "step1_a": set(),
        "step1_b": set(),
        "TransformStep0": {"step1_a", "step1_b"},
        "profiler_1": {"TransformStep0"},
        "profiler_2": {"TransformStep0"},
    },
    "example_emr_streaming": {
        "ExtractLocalStep0": set(),
        "EMRStreamingStep0": {"ExtractLocalStep0"},
        "TransformStep0": {"EMRStreamingStep0"},
    },
    "example_extract_local": {"ExtractLocalStep0": set()},
    "example_extract_postgres": {"ExtractPostgresStep0": set()},
    "example_extract_rds": {"ExtractRdsStep0": set(), "ExtractRdsStep1": set()},
    "example_extract_redshift": {"ExtractRedshiftStep0": set()},
    "example_extract_s3": {"ExtractS3Step0": set()},
    "example_failed_pipeline": {"failure_step": set()},
    "example_load_postgres": {"ExtractS3Step0": set(), "LoadPostgresStep0": {"ExtractS3Step0"}},
    "example_load_redshift": {
        "ExtractLocalStep0": set(),
        "LoadRedshiftStep0": {"ExtractLocalStep0"},
    },
    "example_load_reload_primary_key_check": {
        "ExtractLocalStep0": set(),
        "LoadReloadAndPrimaryKeyStep0": {"ExtractLocalStep0"},
    },
    "example_pipeline_dependency": {
        "dependency_step": set(),
        "TransformStep1": {"dependency_step"},
    },
    "example_primary_key_check": {"PrimaryKeyCheckStep0": set()},
    "example_reload": {
        "ExtractLocalStep0": set(),
        "CreateAndLoadStep0": {"ExtractLocalStep0"},
        "ReloadStep0": {"CreateAndLoadStep0"},
    },
    "example_sql_command": {"SqlCommandStep0": set()},
    "example_transform": {
        "extract-node": set(),
        "TransformStep0": {"extract-node"},
        "TransformStep1": {"extract-node"},
    },
    "example_upsert": {
        "ExtractLocalStep0": set(),
        "CreateAndLoadStep0": {"ExtractLocalStep0"},
        "UpsertStep0": {"CreateAndLoadStep0"},
    },
}
"""Each example's steps and their upstream steps, by Dataduct's rules (docs/pipelines.md);
the edges from bootstrap steps to every other step are added by the DAG factory, not listed here."""


def read_example(path: Path) -> Pipeline:
    return read_pipeline(path, open_definitions(EXAMPLES))


def graph(pipeline: Pipeline) -> dict[str, set[str]]:
    return {s.name: set(s.upstream) for s in pipeline.steps}


def test_every_dataduct_example_is_covered() -> None:
    names = {p.stem for p in pipeline_files(EXAMPLES)}
    assert len(names) == 24
    assert {read_example_name(p) for p in pipeline_files(EXAMPLES)} == set(GRAPHS)


def read_example_name(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(path)


@pytest.mark.parametrize("path", pipeline_files(EXAMPLES), ids=lambda p: p.stem)
def test_example_validates_with_dataduct_graph(path: Path) -> None:
    assert graph(read_example(path)) == GRAPHS[read_example_name(path)]


def warehouse_rows(stack: Stack, sql: str) -> list[tuple[Any, ...]]:
    with stack.warehouse() as conn:
        return conn.execute(sql).fetchall()


EXPECTED_TEST_TABLE = [(1, "thisis a roooow"), (3, ""), (4, None)]


@pytest.mark.parametrize(
    ("dag_id", "table"),
    [
        ("example_create_and_load_redshift", "dev.test_table"),
        ("example_upsert", "dev.test_table_2"),
        ("example_reload", "dev.test_table_2"),
    ],
)
def test_extract_local_examples_load_the_warehouse(
    examples: Path, stack: Stack, dag_id: str, table: str
) -> None:
    assert run(examples, dag_id).state == "success"
    rows = warehouse_rows(stack, f"SELECT id, description FROM {table} ORDER BY id")
    assert rows == EXPECTED_TEST_TABLE


def test_transform_examples_run_scripts_on_staged_files(examples: Path) -> None:
    for dag_id in ("example_transform", "example_double_input", "example_double_output"):
        assert run(examples, dag_id).state == "success", dag_id
    staged = list((examples.parent / "staging").rglob("manifest.json"))
    double_output = [p for p in staged if "example_double_output" in str(p)]
    assert {p.parent.name for p in double_output} >= {"step2_a", "step2_b", "profiler_1"}


def test_failed_pipeline_example_fails(examples: Path) -> None:
    assert run(examples, "example_failed_pipeline").state == "failed"


def test_custom_step_example_runs_the_custom_class(examples: Path) -> None:
    assert run(examples, "example_custom_extract_local").state == "success"
    manifests = list((examples.parent / "staging").rglob("CustomExtractLocalStep0/manifest.json"))
    assert len(manifests) == 1 and '"rows": 3' in manifests[0].read_text()


def test_pipeline_dependency_example_waits_for_same_day_runs(examples: Path) -> None:
    assert run(examples, "example_transform").state == "success"
    assert run(examples, "example_failed_pipeline").state == "failed"
    assert run(examples, "example_pipeline_dependency").state == "success"


def test_extract_s3_example_reads_the_object_from_s3(
    examples: Path, stack: Stack, moto_s3: MotoS3
) -> None:
    client = moto_s3.client()
    client.create_bucket(Bucket="elasticmapreduce")
    client.put_object(
        Bucket="elasticmapreduce",
        Key="samples/wordcount/wordSplitter.py",
        Body=b"#!/usr/bin/python\nimport sys\n\nfor line in sys.stdin:\n    print(line)\n",
    )
    assert run(examples, "example_extract_s3").state == "success"
    manifest = next((examples.parent / "staging").rglob("ExtractS3Step0/manifest.json"))
    text = manifest.read_text()
    assert "s3://elasticmapreduce/samples/wordcount/wordSplitter.py" in text
    assert '"rows": 4' in text


def test_warehouse_examples_run_in_sequence(examples: Path, stack: Stack) -> None:
    """load-reload-pk, create-update-sql, load-redshift and sql-command on ``dev`` tables."""
    with stack.warehouse() as conn:
        conn.execute("CREATE SCHEMA dev")
        conn.execute("CREATE TABLE dev.test_table_2 (id INTEGER, description VARCHAR(255))")
    assert run(examples, "example_load_reload_primary_key_check").state == "success"
    reloaded = "SELECT id, description FROM dev.test_table_2 ORDER BY id"
    assert warehouse_rows(stack, reloaded) == EXPECTED_TEST_TABLE
    assert run(examples, "example_create_update_sql").state == "success"
    loaded = "SELECT id, description FROM dev.test_table ORDER BY id, description"
    assert [r[0] for r in warehouse_rows(stack, loaded)] == [1, 1, 3, 3, 4]
    assert run(examples, "example_load_redshift").state == "success"
    assert warehouse_rows(stack, loaded) == EXPECTED_TEST_TABLE
    assert run(examples, "example_sql_command").state == "success"


def test_postgres_examples_load_from_and_extract_to_s3(
    examples: Path, stack: Stack, moto_s3: MotoS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    """load_postgres reads s3://somebucket/somedata.csv into the config's ``postgres``
    database with its insert_query; extract_postgres copies that table to its output_path."""
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_POSTGRES", stack.server.dsn(SOURCE_DB))
    with stack.source() as source:
        source.execute("CREATE TABLE sometable (col1 INTEGER, col2 TEXT, col3 DATE)")
    client = moto_s3.client()
    client.create_bucket(Bucket="somebucket")
    body = b"1\tone\t2026-03-01\n2\tNULL\t2026-03-02\n3\ttab\\\there\tNULL\n"
    client.put_object(Bucket="somebucket", Key="somedata.csv", Body=body)

    assert run(examples, "example_load_postgres").state == "success"
    with stack.source() as source:
        rows = source.execute("SELECT col1, col2, col3::text FROM sometable ORDER BY 1").fetchall()
    assert rows == [(1, "one", "2026-03-01"), (2, None, "2026-03-02"), (3, "tab\there", None)]

    assert run(examples, "example_extract_postgres").state == "success"
    exported = S3StagingStore("s3://somebucket/somedata.csv").read_manifest("")
    assert exported.rows == 3


def test_primary_key_check_example_writes_its_result_row(examples: Path, stack: Stack) -> None:
    with stack.warehouse() as conn:
        conn.execute("CREATE SCHEMA dev")
        conn.execute("CREATE TABLE dev.test_table (id INTEGER, description VARCHAR(255))")
        conn.execute("INSERT INTO dev.test_table VALUES (1, 'a'), (2, 'b')")
    assert run(examples, "example_primary_key_check").state == "success"
    rows = list((examples.parent / "staging" / "qa").rglob("*.tsv"))
    assert [p.parent.name for p in rows] == [RUN_DATE.strftime("%Y-%m-%d")]
    fields = rows[0].read_text().split("\t")
    assert fields[:2] == ["dev", "test_table"] and fields[5:7] == ["1", "0"]
    with stack.warehouse() as conn:
        conn.execute("INSERT INTO dev.test_table VALUES (2, 'again')")
    assert run(examples, "example_primary_key_check").state == "failed"


def test_extract_redshift_example_stages_the_table_from_the_postgres_warehouse(
    examples: Path, stack: Stack
) -> None:
    """On the PostgreSQL stand-in the extract is a COPY TO (Redshift's UNLOAD is pinned in the
    Redshift boundary tests)."""
    with stack.warehouse() as conn:
        conn.execute("CREATE SCHEMA dev")
        conn.execute("CREATE TABLE dev.categories AS SELECT g AS id FROM generate_series(1, 7) g")
    assert run(examples, "example_extract_redshift").state == "success"
    manifest = next((examples.parent / "staging").rglob("ExtractRedshiftStep0/manifest.json"))
    assert '"rows": 7' in manifest.read_text()
