"""Names from table files reach SQL only quoted (one statement each, whatever the name), and
staged files are removed after a load unless retained or read by another step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlglot

from airflow_dataduct.builders.inputs import removes_staged_input
from airflow_dataduct.builders.registry import BuildContext
from airflow_dataduct.connections.warehouse import (
    clear_table_sql,
    creation_lock_sql,
    lock_table_sql,
)
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.config import DataductConfig, StagingConfig
from airflow_dataduct.model.pipeline import read_pipeline
from airflow_dataduct.sql.checks import count_table_sql, duplicate_sample_sql, duplicate_summary_sql
from airflow_dataduct.sql.copy import postgres_copy_from_stdin_sql
from airflow_dataduct.sql.ddl import analyze_sql, create_schema_sql, create_table_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.upsert import UpsertOptions, upsert_statements
from airflow_dataduct.tables.ddl import parse_table_sql

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = parse_table_sql(
    'CREATE TABLE "s;--"."t""; DROP TABLE users; --" '
    '("id); DELETE FROM x; --" INTEGER, "Name\'" VARCHAR(10), '
    'PRIMARY KEY ("id); DELETE FROM x; --"));'
)
QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
"""Quoted identifiers and string literals: what a name may safely hide inside."""


def generated_sql(dialect: Dialect) -> list[str]:
    statements = [
        create_table_sql(HOSTILE, dialect),
        create_schema_sql(HOSTILE) or "",
        analyze_sql(HOSTILE),
        lock_table_sql(HOSTILE, dialect) or "",
        clear_table_sql(HOSTILE, dialect),
        count_table_sql(HOSTILE),
        duplicate_summary_sql(HOSTILE),
        duplicate_sample_sql(HOSTILE),
        *upsert_statements(HOSTILE, HOSTILE, UpsertOptions(), dialect),
    ]
    if dialect is Dialect.POSTGRES:
        statements += [postgres_copy_from_stdin_sql(HOSTILE), creation_lock_sql(HOSTILE)]
    return statements


@pytest.mark.parametrize("dialect", list(Dialect))
def test_hostile_names_stay_quoted_identifiers_in_every_statement(dialect: Dialect) -> None:
    for sql in generated_sql(dialect):
        outside_names = QUOTED.sub("", sql)
        assert "users" not in outside_names and "DELETE FROM x" not in outside_names, sql
        assert ";" not in outside_names, sql
        if not sql.startswith("COPY"):  # sqlglot does not know COPY ... FROM STDIN
            assert len(sqlglot.parse(sql, read="postgres")) == 1, sql


TWO_READERS = """name: two_readers
steps:
-   step_type: extract-rds
    name: extract
    sql: SELECT 1
    host_name: maestro
-   step_type: create-load-redshift
    name: first
    table_definition: tables/good.sql
-   step_type: create-load-redshift
    name: second
    input_node: extract
    table_definition: tables/good.sql
"""


TRANSFORM_AND_LOAD = """name: transform_and_load
steps:
-   step_type: extract-rds
    name: extract
    sql: SELECT 1
    host_name: maestro
-   step_type: transform
    command: cat
    input_node:
        extract: rows
-   step_type: create-load-redshift
    name: load
    input_node: extract
    table_definition: tables/good.sql
"""


def context(pipeline_file: Path, retain: bool) -> BuildContext:
    pipeline = read_pipeline(pipeline_file, open_definitions(pipeline_file.parent))
    return BuildContext(pipeline, DataductConfig(staging=StagingConfig(retain=retain)))


def test_a_load_removes_its_staged_input_unless_retained() -> None:
    users = ROOT / "dag_definitions" / "users.yaml"
    removing = context(users, retain=False)
    keeping = context(users, retain=True)
    load = removing.pipeline.step("load_staging")
    assert removes_staged_input(removing, load)
    assert not removes_staged_input(keeping, load)


def folder_with(tmp_path: Path, text: str) -> Path:
    fixtures = ROOT / "tests" / "fixtures" / "hostile"
    folder = tmp_path / "defs"
    (folder / "tables").mkdir(parents=True)
    (folder / "dataduct.yaml").write_text((fixtures / "dataduct.yaml").read_text())
    (folder / "tables" / "good.sql").write_text((fixtures / "tables" / "good.sql").read_text())
    (folder / "p.yaml").write_text(text)
    return folder / "p.yaml"


def test_a_staged_input_read_by_two_loads_is_kept(tmp_path: Path) -> None:
    ctx = context(folder_with(tmp_path, TWO_READERS), retain=False)
    assert not removes_staged_input(ctx, ctx.pipeline.step("first"))
    assert not removes_staged_input(ctx, ctx.pipeline.step("second"))


def test_a_staged_input_a_transform_also_reads_is_kept(tmp_path: Path) -> None:
    ctx = context(folder_with(tmp_path, TRANSFORM_AND_LOAD), retain=False)
    assert not removes_staged_input(ctx, ctx.pipeline.step("load"))
