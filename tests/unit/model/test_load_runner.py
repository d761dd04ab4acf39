"""Dataduct's load runner flags (``script_arguments`` of create-load-redshift and
load-reload-pk): parsed at validation, turned into COPY options and a table re-creation."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot

from airflow_dataduct.builders.inputs import load_runner_kwargs
from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.load_runner import LoadRunnerFlags, parse_load_flags
from airflow_dataduct.model.pipeline import read_pipeline
from airflow_dataduct.sql.copy import CopyOptions, RedshiftCredentials, redshift_copy_sql
from airflow_dataduct.tables.ddl import parse_table_sql

TABLE = parse_table_sql("CREATE TABLE s.t (id INT, v VARCHAR(9));", "tables/s.t.sql")
ROLE = RedshiftCredentials(iam_role="arn:aws:iam::1:role/r")


def test_every_flag_of_the_load_runner_is_understood() -> None:
    flags = parse_load_flags(
        [
            "--max_error=12",
            "--replace_invalid_char='?'",
            "--no_escape",
            "--gzip",
            "--force_drop_table",
            "--command_options=CSV IGNOREHEADER 1",
        ]
    )
    assert flags == LoadRunnerFlags(12, "?", True, True, "CSV IGNOREHEADER 1", True)
    assert parse_load_flags("--max_error=3 --gzip") == LoadRunnerFlags(max_error=3, gzip=True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--max_errors=3"], "unknown flag '--max_errors' .*did you mean '--max_error'"),
        (["--max_error=x"], "--max_error: expected a whole number, got 'x'"),
        (["--replace_invalid_char='ab'"], "--replace_invalid_char: expected one character"),
        (["--gzip=yes"], "--gzip: ignored explicit argument 'yes'"),
        (["--command_options="], "--command_options: expected COPY options"),
        (["5"], "unexpected argument '5'"),
        ({"a": 1}, "expected a list of load runner flags"),
    ],
)
def test_a_bad_flag_is_refused_by_name(arguments: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_load_flags(arguments)


def test_flags_become_redshift_copy_options_that_parse() -> None:
    flags = parse_load_flags(["--max_error=5", "--replace_invalid_char='?'", "--no_escape"])
    kwargs = load_runner_kwargs(flags)
    assert kwargs["recreate_table"] is False
    sql = redshift_copy_sql(TABLE, "s3://b/p/copy.manifest", ROLE, kwargs["copy_options"])
    assert sql.endswith(
        "MANIFEST GZIP DELIMITER '\\t' NULL AS '\\\\N' TIMEFORMAT 'auto' DATEFORMAT 'auto' "
        "COMPUPDATE OFF STATUPDATE OFF MAXERROR 5 ACCEPTINVCHARS AS '?'"
    )
    assert len(sqlglot.parse(sql, read="redshift")) == 1


def test_command_options_replace_the_format_options_as_dataduct_did() -> None:
    options = load_runner_kwargs(parse_load_flags(["--command_options=CSV IGNOREHEADER 1"]))
    sql = redshift_copy_sql(TABLE, "s3://b/p/copy.manifest", ROLE, options["copy_options"])
    assert sql.endswith("MANIFEST COMPUPDATE OFF STATUPDATE OFF CSV IGNOREHEADER 1")


def test_no_flags_keep_the_default_copy_and_force_drop_only_recreates() -> None:
    assert load_runner_kwargs(LoadRunnerFlags()) == {"copy_options": None, "recreate_table": False}
    assert load_runner_kwargs(parse_load_flags(["--force_drop_table"])) == {
        "copy_options": None,
        "recreate_table": True,
    }
    assert CopyOptions(escape=False).clause().startswith("GZIP DELIMITER '\\t' NULL AS")


def test_a_bad_flag_in_yaml_names_the_file_line_and_key(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "s.t.sql").write_text(TABLE.source_sql)
    (tmp_path / "dataduct.yaml").write_text("staging:\n  location: /tmp/x\n")
    (tmp_path / "p.yaml").write_text(
        "name: p\nsteps:\n"
        "-   step_type: extract-local\n    path: tables/s.t.sql\n"
        "-   step_type: create-load-redshift\n    table_definition: tables/s.t.sql\n"
        "    script_arguments: [--max_error=5, --maxerror=6]\n"
    )
    with pytest.raises(DefinitionErrors) as info:
        read_pipeline(tmp_path / "p.yaml", open_definitions(tmp_path))
    [error] = info.value.errors
    assert (error.location.line, error.key) == (7, "script_arguments")
    assert "unknown flag '--maxerror' of the load runner" in error.message
