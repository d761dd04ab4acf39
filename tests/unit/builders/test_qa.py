"""QA checks with ``command``/``script``: Dataduct ran the program instead of the built-in
check, with the check's arguments; its exit code decides."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from airflow_dataduct.errors import DefinitionErrors, TransformFailed
from airflow_dataduct.factory.dag import build_dag
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.pipeline import read_pipeline
from airflow_dataduct.operators.transform import TransformOperator

DEFINITIONS = Path(__file__).resolve().parents[3] / "dag_definitions"
CHECKS = """name: qa
steps:
-   step_type: primary-key-check
    table_definition: tables/prod.users.sql
    command: echo "$@" > "{out}/pk.txt"
    script_arguments: [--strict, 3]
    log_to_s3: true
-   step_type: count-check
    source_host: maestro
    source_sql: SELECT id FROM users WHERE id > 5;
    destination_table_definition: tables/prod.users.sql
    tolerance: 2
    script: scripts/count.sh
-   step_type: column-check
    source_host: maestro
    source_sql: SELECT u.id, u.name AS full_name, email FROM users u
    sql_tail_for_source: ORDER BY RAND() LIMIT LIMIT_PLACEHOLDER
    destination_table_definition: tables/prod.users.sql
    sample_size: 7
    command: exit 4
    sns_topic_arn: arn:aws:sns:us-east-1:123456789012:qa
"""


@pytest.fixture
def dag(tmp_path: Path):  # type: ignore[no-untyped-def]
    folder = tmp_path / "defs"
    shutil.copytree(DEFINITIONS, folder)
    (folder / "scripts").mkdir()
    (folder / "scripts" / "count.sh").write_text('#!/bin/bash\necho "$@"\n')
    (folder / "qa.yaml").write_text(CHECKS.format(out=tmp_path))
    config = open_definitions(folder)
    return build_dag(read_pipeline(folder / "qa.yaml", config), config)


def test_each_check_runs_its_program_with_dataduct_arguments(dag) -> None:  # type: ignore[no-untyped-def]
    pk, count, column = (
        dag.get_task(t) for t in ("PrimaryKeyCheckStep0", "CountCheckStep0", "ColumnCheckStep0")
    )
    assert all(isinstance(t, TransformOperator) for t in (pk, count, column))
    ddl = (DEFINITIONS / "tables" / "prod.users.sql").read_text()
    table_sql = ddl.split("\n", 1)[1].strip().rstrip(";")  # without its comment line
    assert pk.arguments == [
        "--strict",
        "3",
        f"--table={table_sql}",
        "--log_to_s3",
        "--test_name=qa.PrimaryKeyCheckStep0",
    ]
    assert count.script.endswith("scripts/count.sh")
    assert count.arguments == [
        "--tolerance=2.0",
        "--destination_sql=SELECT COUNT(1) FROM prod.users;",
        "--source_sql=SELECT COUNT(1) FROM (SELECT id FROM users WHERE id > 5)a;",
        "--source_host=maestro",
        "--test_name=qa.CountCheckStep0",
    ]
    assert column.arguments == [
        "--sample_size=7",
        "--tolerance=1.0",
        "--destination_sql=SELECT user_id, ( COALESCE(CONCAT(user_name, ''), '')||"
        "COALESCE(CONCAT(user_email, ''), '') ) FROM prod.users WHERE (user_id) IN "
        "PRIMARY_KEY_SET",
        "--source_sql=SELECT id, CONCAT(COALESCE(CONCAT(full_name, ''), ''),"
        "COALESCE(CONCAT(email, ''), '')) AS merged_string FROM (SELECT u.id, u.name AS "
        "full_name, email FROM users u) AS origin ORDER BY RAND() LIMIT LIMIT_PLACEHOLDER",
        "--source_host=maestro",
        "--test_name=qa.ColumnCheckStep0",
        "--sns_topic_arn=arn:aws:sns:us-east-1:123456789012:qa",
    ]


def test_the_programs_exit_code_decides(dag, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pk = dag.get_task("PrimaryKeyCheckStep0")
    pk.execute({})
    assert (tmp_path / "pk.txt").read_text().startswith("--strict 3 --table=CREATE TABLE")
    with pytest.raises(TransformFailed, match="exited with code 4"):
        dag.get_task("ColumnCheckStep0").execute({})


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("    command: x\n    script: y.sh\n", "give either command or script, not both"),
        ("    script: missing.sh\n", "script: file 'missing.sh' not found"),
        ("    script_arguments: [--verbose]\n", "the built-in check takes only '--path_suffix="),
    ],
)
def test_bad_program_keys_are_refused(tmp_path: Path, keys: str, message: str) -> None:
    folder = tmp_path / "defs"
    shutil.copytree(DEFINITIONS, folder)
    (folder / "p.yaml").write_text(
        "name: p\nsteps:\n-   step_type: primary-key-check\n"
        "    table_definition: tables/prod.users.sql\n" + keys
    )
    with pytest.raises(DefinitionErrors) as info:
        read_pipeline(folder / "p.yaml", open_definitions(folder))
    assert any(message in e.message for e in info.value.errors), info.value.errors
