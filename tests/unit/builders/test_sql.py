"""The SQL / warehouse step family without a database: generated SQL pinned exactly (both
dialects), every statement parsed by sqlglot, scripts, arguments and validation errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import read_pipeline
from airflow_dataduct.operators.extract_redshift import manifest_from_unload
from airflow_dataduct.sql.copy import CopyOptions, RedshiftCredentials, redshift_copy_sql
from airflow_dataduct.sql.ddl import drop_table_sql, grant_sql
from airflow_dataduct.sql.history import history_statements
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.load_modes import (
    create_load_temp_sql,
    delta_filter_clause,
    insert_select_sql,
    merge_statements,
    numbered_placeholders,
    placeholder_marks,
    primary_key_columns_sql,
)
from airflow_dataduct.sql.script import bind_arguments, placeholder_count, split_statements
from airflow_dataduct.sql.unload import redshift_unload_sql, select_table_sql
from airflow_dataduct.sql.upsert import UpsertOptions, upsert_statements
from airflow_dataduct.staging.interchange import format_rows, parse_records
from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.tables.ddl import parse_table_sql

DEST = parse_table_sql(
    "CREATE TABLE dev.test_table_2(id INTEGER PRIMARY KEY, description VARCHAR(255));"
)
HISTORY = parse_table_sql(
    "CREATE TABLE dev.test_table_2_history (effective_ts TIMESTAMP, expiration_ts TIMESTAMP, "
    "id INTEGER, description VARCHAR(255));"
)
ROLE = RedshiftCredentials(iam_role="arn:aws:iam::123456789012:role/loader")
PERMISSIONS = DataductConfig.model_validate(
    {
        "database": {
            "permissions": [
                {"user": "analyst", "permission": "select"},
                {"group": "etl", "permission": "SELECT,  INSERT"},
            ]
        }
    }
).database.permissions
EXPIRED = "expiration_ts = '9999-12-31 23:59:59.999999'"


# -- golden statements ----------------------------------------------------------------------


def test_history_statements_are_dataduct_type_2_with_null_safe_change_test() -> None:
    assert history_statements(HISTORY, DEST, Dialect.REDSHIFT) == [
        "CREATE TEMPORARY TABLE test_table_2_history_temp (id INTEGER, description VARCHAR(255))",
        "INSERT INTO test_table_2_history_temp (id, description) "
        "SELECT id, description FROM dev.test_table_2",
        "UPDATE dev.test_table_2_history AS h SET expiration_ts = SYSDATE - INTERVAL "
        "'0.000001 seconds' FROM dev.test_table_2 AS d WHERE h.id = d.id AND "
        "(NOT (COALESCE(h.description = d.description, FALSE) OR "
        f"(h.description IS NULL AND d.description IS NULL))) AND h.{EXPIRED}",
        "UPDATE dev.test_table_2_history AS h SET expiration_ts = SYSDATE - INTERVAL "
        f"'0.000001 seconds' WHERE h.{EXPIRED} AND NOT EXISTS "
        "(SELECT 1 FROM dev.test_table_2 AS d WHERE d.id = h.id)",
        "DELETE FROM test_table_2_history_temp USING dev.test_table_2_history AS h "
        f"WHERE test_table_2_history_temp.id = h.id AND h.{EXPIRED}",
        "INSERT INTO dev.test_table_2_history (effective_ts, expiration_ts, id, description) "
        "SELECT SYSDATE, CAST('9999-12-31 23:59:59.999999' AS TIMESTAMP), id, description "
        "FROM test_table_2_history_temp",
        "DROP TABLE IF EXISTS test_table_2_history_temp",
    ]


def test_history_on_postgres_uses_the_transaction_start_in_utc() -> None:
    statements = history_statements(HISTORY, DEST, Dialect.POSTGRES)
    assert "SET expiration_ts = (now() AT TIME ZONE 'UTC') - INTERVAL" in statements[2]
    assert "SELECT (now() AT TIME ZONE 'UTC'), CAST(" in statements[5]


def test_history_table_must_start_with_the_two_timestamps() -> None:
    wrong = parse_table_sql("CREATE TABLE h (id INTEGER, description VARCHAR(255));")
    with pytest.raises(ValueError, match=r"must have the columns \(effective_ts, expiration_ts"):
        history_statements(wrong, DEST, Dialect.POSTGRES)


def test_upsert_from_sql_stages_the_select_positionally_then_history() -> None:
    options = UpsertOptions(filter_clause="WHERE id > 2", history=HISTORY)
    statements = upsert_statements("SELECT id, d FROM x;\n", DEST, options, Dialect.POSTGRES)
    assert statements[1] == (
        "INSERT INTO test_table_2_temp SELECT * FROM (SELECT id, d FROM x) AS dataduct_source "
        "WHERE id > 2"
    )
    assert statements[5:] == history_statements(HISTORY, DEST, Dialect.POSTGRES)


def test_delta_filter_is_latest_date_minus_window_days() -> None:
    assert delta_filter_clause(DEST, "updated_at", 3) == (
        "WHERE updated_at >= COALESCE((SELECT MAX(updated_at) FROM dev.test_table_2), "
        "CAST('1800-01-01' AS DATE)) - INTERVAL '3 days'"
    )


def test_keep_existing_inserts_only_new_keys() -> None:
    assert create_load_temp_sql(DEST) == (
        "CREATE TEMPORARY TABLE test_table_2_load_temp (LIKE dev.test_table_2)"
    )
    assert merge_statements(DEST, "KEEP_EXISTING") == [
        "INSERT INTO dev.test_table_2 (id, description) SELECT id, description FROM "
        "test_table_2_load_temp WHERE NOT EXISTS (SELECT 1 FROM dev.test_table_2 WHERE "
        "dev.test_table_2.id = test_table_2_load_temp.id)",
        "DROP TABLE IF EXISTS test_table_2_load_temp",
    ]


def test_overwrite_existing_replaces_staged_keys() -> None:
    assert merge_statements(DEST, "OVERWRITE_EXISTING") == [
        "DELETE FROM dev.test_table_2 USING test_table_2_load_temp "
        "WHERE dev.test_table_2.id = test_table_2_load_temp.id",
        "INSERT INTO dev.test_table_2 (id, description) SELECT id, description FROM "
        "test_table_2_load_temp",
        "DROP TABLE IF EXISTS test_table_2_load_temp",
    ]


def test_merging_modes_need_a_primary_key() -> None:
    keyless = parse_table_sql("CREATE TABLE dev.k (a INTEGER);")
    with pytest.raises(ValueError, match=r"KEEP_EXISTING needs a primary key on dev\.k"):
        merge_statements(keyless, "KEEP_EXISTING")


def test_copy_with_every_load_redshift_option_from_a_prefix() -> None:
    options = CopyOptions("bzip2", max_errors=10, replace_invalid_char="?", truncate_columns=True)
    assert redshift_copy_sql(DEST, "s3://b/p/", ROLE, options, manifest=False) == (
        "COPY dev.test_table_2 (id, description) FROM 's3://b/p/' "
        "IAM_ROLE 'arn:aws:iam::123456789012:role/loader' BZIP2 DELIMITER '\\t' ESCAPE "
        "NULL AS '\\\\N' TIMEFORMAT 'auto' DATEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF "
        "MAXERROR 10 ACCEPTINVCHARS AS '?' TRUNCATECOLUMNS"
    )


def test_copy_default_options_are_unchanged_for_create_load() -> None:
    sql = redshift_copy_sql(DEST, "s3://b/p/copy.manifest", ROLE)
    assert sql.endswith(
        "MANIFEST GZIP DELIMITER '\\t' ESCAPE NULL AS '\\\\N' TIMEFORMAT 'auto' "
        "DATEFORMAT 'auto' COMPUPDATE OFF STATUPDATE OFF"
    )


def test_copy_lzo_is_lzop() -> None:
    assert " LZOP DELIMITER" in redshift_copy_sql(DEST, "s3://b/m", ROLE, CopyOptions("lzo"))


def test_unload_quotes_the_query_and_writes_a_verbose_manifest() -> None:
    query = select_table_sql("dev", "categories") + " WHERE name = 'it''s'"
    assert redshift_unload_sql(query, "s3://b/p/attempt-1/part-", ROLE) == (
        "UNLOAD ('SELECT * FROM dev.categories WHERE name = ''it''''s''') "
        "TO 's3://b/p/attempt-1/part-' IAM_ROLE 'arn:aws:iam::123456789012:role/loader' "
        "MANIFEST VERBOSE GZIP DELIMITER '\\t' ESCAPE NULL AS '\\\\N' ALLOWOVERWRITE PARALLEL ON"
    )


def test_grants_follow_dataduct_user_and_group_forms() -> None:
    assert grant_sql(DEST, PERMISSIONS) == [
        "GRANT SELECT ON dev.test_table_2 TO analyst WITH GRANT OPTION",
        "GRANT SELECT, INSERT ON dev.test_table_2 TO GROUP etl",
    ]
    assert drop_table_sql(DEST) == "DROP TABLE IF EXISTS dev.test_table_2 CASCADE"


def test_primary_key_catalog_query() -> None:
    assert primary_key_columns_sql("dev", "t").endswith(
        "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'dev' "
        "AND tc.table_name = 't' ORDER BY kcu.ordinal_position"
    )


def _generated(dialect: Dialect) -> list[tuple[str, str]]:
    options = UpsertOptions(
        filter_clause=delta_filter_clause(DEST, "id", 1), history=HISTORY, delete_existing=True
    )
    out = [
        (f"upsert-{i}", s)
        for i, s in enumerate(upsert_statements("SELECT 1", DEST, options, dialect))
    ]
    out += [("merge-keep", s) for s in merge_statements(DEST, "KEEP_EXISTING")]
    out += [("merge-overwrite", s) for s in merge_statements(DEST, "OVERWRITE_EXISTING")]
    out += [("grant", s) for s in grant_sql(DEST, PERMISSIONS)]
    out += [
        ("load-temp", create_load_temp_sql(DEST)),
        ("drop", drop_table_sql(DEST)),
        ("pk-catalog", primary_key_columns_sql("dev", "t")),
        ("query-group", "SET query_group TO 'etl'"),
    ]
    if dialect is Dialect.REDSHIFT:
        options = CopyOptions(
            "bzip2", max_errors=3, replace_invalid_char="?", truncate_columns=True
        )
        out.append(("copy-options", redshift_copy_sql(DEST, "s3://b/p/", ROLE, options, False)))
    return out


@pytest.mark.parametrize(
    ("sql", "read"),
    [
        pytest.param(sql, d.value, id=f"{d.value}-{label}")
        for d in Dialect
        for label, sql in _generated(d)
    ],
)
def test_generated_statement_parses_in_its_dialect(sql: str, read: str) -> None:
    parsed = sqlglot.parse_one(sql, read=read)
    assert not isinstance(parsed, exp.Command), f"unparsed fallback for {sql!r}"


def test_unload_query_parses_and_sqlglot_knows_unload_only_as_a_command() -> None:
    # sqlglot 30 has no UNLOAD grammar: the statement is checked by its golden text above and
    # the quoted query inside it is parsed here.
    sql = redshift_unload_sql("SELECT * FROM dev.t WHERE a = 'x'", "s3://b/p/", ROLE)
    assert isinstance(sqlglot.parse_one(sql, read="redshift"), exp.Command)
    inner = sql[sql.index("('") + 2 : sql.index("') TO")].replace("''", "'")
    assert isinstance(sqlglot.parse_one(inner, read="redshift"), exp.Select)


# -- scripts and arguments --------------------------------------------------------------------

SCRIPT = """-- nightly fix-up
BEGIN;
DELETE FROM dev.test_table WHERE id < 0; /* negative ids */
INSERT INTO dev.test_table SELECT * FROM dev.test_table_2 WHERE id < %s AND d <> 'a;%s';
COMMIT;
"""


def test_script_loses_comments_and_transaction_control() -> None:
    assert split_statements(SCRIPT) == [
        "DELETE FROM dev.test_table WHERE id < 0",
        "INSERT INTO dev.test_table SELECT * FROM dev.test_table_2 WHERE id < %s AND d <> 'a;%s'",
    ]


def test_arguments_go_to_their_statements_in_order() -> None:
    statements = [*split_statements(SCRIPT), "UPDATE t SET a = %s, b = '%%'"]
    assert bind_arguments(statements, ["4", "x"]) == [
        (statements[0], ()),
        (statements[1], ("4",)),
        (statements[2], ("x",)),
    ]
    assert bind_arguments(statements, None) == [(s, None) for s in statements]


def test_argument_count_must_match_placeholders() -> None:
    with pytest.raises(ValueError, match=r"2 value\(s\) but the SQL has 1 %s placeholder"):
        bind_arguments(split_statements(SCRIPT), ["1", "2"])
    assert placeholder_count("SELECT '%s', \"%s\", 100%% FROM t WHERE a = %s") == 1


def test_qmark_insert_is_prepared_with_numbered_placeholders() -> None:
    sql = "INSERT INTO t (a, b, c) VALUES (?, '?%', lower(?))"
    assert numbered_placeholders(sql) == "INSERT INTO t (a, b, c) VALUES ($1, '?%', lower($2))"
    assert placeholder_marks(sql) == 2


@pytest.mark.parametrize(
    ("insert", "expected"),
    [
        (
            "INSERT INTO t (a, b, c) VALUES (?, '?%', lower(?))",
            "INSERT INTO t (a, b, c) SELECT c1, '?%', lower(c2) FROM dataduct_load_rows",
        ),
        (
            "insert into \"Values\" values (coalesce(?, 'x'), ?) on conflict (a) do nothing",
            "insert into \"Values\" SELECT coalesce(c1, 'x'), c2 FROM dataduct_load_rows "
            "on conflict (a) do nothing",
        ),
    ],
)
def test_qmark_insert_runs_once_as_insert_select_from_the_copied_rows(
    insert: str, expected: str
) -> None:
    assert insert_select_sql(insert) == expected
    assert len(sqlglot.parse(expected, read="postgres")) == 1


@pytest.mark.parametrize(
    ("insert", "message"),
    [
        ("INSERT INTO t SELECT ?", r"every \? must be inside the VALUES"),
        ("INSERT INTO t VALUES (?), (?)", "one VALUES row only"),
        ("INSERT INTO t VALUES (1) RETURNING ?", r"every \? must be inside the VALUES"),
        ("INSERT INTO t DEFAULT VALUES", "expected INSERT INTO <table>"),
    ],
)
def test_an_insert_query_of_another_shape_is_refused(insert: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        insert_select_sql(insert)


def test_interchange_records_parse_back_in_any_chunking() -> None:
    rows = [("a\tb", "\\N", None, "", "x\ny\\", "NULL"), ("é", "\r", "\\", "", "t", None)]
    data = format_rows(rows)
    for cut in range(len(data)):
        assert list(parse_records([data[:cut], data[cut:]])) == [list(r) for r in rows]
    with pytest.raises(ValueError, match="middle of a record"):
        list(parse_records([b"1\t2"]))


def test_unload_manifest_becomes_the_staging_manifest(tmp_path: Path) -> None:
    store = LocalStagingStore(tmp_path)
    base = store.uri("d/r/s")
    verbose = {
        "entries": [
            {
                "url": f"{base}/attempt-1/part-0000_part_00.gz",
                "meta": {"content_length": 10, "record_count": 3},
            },
            {
                "url": f"{base}/attempt-1/part-0001_part_00.gz",
                "meta": {"content_length": 7, "record_count": 2},
            },
        ],
        "schema": {"elements": [{"name": "id"}, {"name": "description"}]},
    }
    manifest = manifest_from_unload(store, "d/r/s", "attempt-1", json.dumps(verbose))
    assert manifest.rows == 5
    assert [p.name for p in manifest.parts] == [
        "attempt-1/part-0000_part_00.gz",
        "attempt-1/part-0001_part_00.gz",
    ]
    assert manifest.columns == ("id", "description")
    verbose["entries"][0]["url"] = "s3://elsewhere/x.gz"
    with pytest.raises(ValueError, match="outside"):
        manifest_from_unload(store, "d/r/s", "attempt-1", json.dumps(verbose))


# -- validation ------------------------------------------------------------------------------

TABLE_FILES = {
    "dev.test_table.sql": "CREATE TABLE dev.test_table (id INTEGER PRIMARY KEY, "
    "description VARCHAR(255));",
    "dev.test_table_2.sql": "CREATE TABLE dev.test_table_2 (id INTEGER PRIMARY KEY, "
    "description VARCHAR(255));",
    "history.sql": "CREATE TABLE dev.h (effective_ts TIMESTAMP, expiration_ts TIMESTAMP, "
    "id INTEGER, description VARCHAR(255));",
    "bad_history.sql": "CREATE TABLE dev.bh (id INTEGER, description VARCHAR(255));",
    "no_pk.sql": "CREATE TABLE dev.no_pk (id INTEGER, description VARCHAR(255));",
}


@pytest.fixture
def definitions(tmp_path: Path) -> Path:
    (tmp_path / "tables").mkdir()
    for name, text in TABLE_FILES.items():
        (tmp_path / "tables" / name).write_text(text)
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "select.sql").write_text("SELECT id, description FROM dev.x;")
    (tmp_path / "dataduct.yaml").write_text("hosts: {}\n")
    return tmp_path


def _errors(definitions: Path, steps: str) -> list[str]:
    path = definitions / "p.yaml"
    path.write_text("name: p\nsteps:\n" + textwrap.indent(textwrap.dedent(steps), ""))
    try:
        read_pipeline(path, open_definitions(definitions))
    except DefinitionErrors as exc:
        return [f"{e.location.line}: {e.message}" for e in exc.errors]
    return []


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (
            """\
-   step_type: upsert
    source: tables/dev.test_table.sql
    sql: SELECT 1
    destination: tables/dev.test_table_2.sql
""",
            "3: give exactly one of 'source', 'sql', 'script' (found 'source' and 'sql')",
        ),
        (
            """\
-   step_type: sql-command
    queue: etl
""",
            "3: give exactly one of 'command', 'script' (found none)",
        ),
        (
            """\
-   step_type: create-update-sql
    table_definition: tables/dev.test_table.sql
    command: DELETE FROM dev.test_table WHERE id < %s
    script_arguments: [4, 5]
""",
            "3: script_arguments has 2 value(s) but the SQL has 1 %s placeholder(s)",
        ),
        (
            """\
-   step_type: reload
    source: tables/dev.test_table.sql
    destination: tables/dev.test_table_2.sql
    delete_existing: false
""",
            "3: delete_existing: reload always replaces every row; use upsert",
        ),
        (
            """\
-   step_type: delta-load
    source: tables/dev.test_table.sql
    destination: tables/dev.test_table_2.sql
    date_column: id
    filter_clause: WHERE 1 = 1
""",
            "3: filter_clause: delta-load generates it from date_column and window",
        ),
        (
            """\
-   step_type: upsert
    script: scripts/missing.sql
    destination: tables/dev.test_table_2.sql
""",
            "4: script: file 'scripts/missing.sql' not found",
        ),
        (
            """\
-   step_type: upsert
    sql: SELECT 1, 'a'
    destination: tables/dev.test_table_2.sql
    history: tables/bad_history.sql
""",
            "6: history table dev.bh must have the columns (effective_ts, expiration_ts, id, "
            "description) in that order",
        ),
        (
            """\
-   step_type: load-reload-pk
    staging_table_definition: tables/dev.test_table.sql
    production_table_definition: tables/no_pk.sql
""",
            "has no primary key, which load-reload-pk needs",
        ),
        (
            """\
-   step_type: extract-redshift
    schema: dev
    table: dev.categories
""",
            "give the table name without its schema ('dev.categories'): use 'schema'",
        ),
        (
            """\
-   step_type: sql-command
    command: SELECT 1
-   step_type: load-redshift
    schema: dev
    table: test_table
    insert_mode: MERGE
""",
            "key 'insert_mode': input should be 'TRUNCATE', 'APPEND', 'KEEP_EXISTING' or "
            "'OVERWRITE_EXISTING'",
        ),
        (
            """\
-   step_type: extract-postgres
    table: dev.t
-   step_type: load-postgres
    table: dev.t
    insert_query: DELETE FROM dev.t WHERE a = ?
""",
            "insert_query: give one INSERT ... VALUES (?, ...) statement",
        ),
    ],
    ids=[
        "upsert-source-and-sql",
        "sql-command-without-sql",
        "argument-count",
        "reload-keeping-rows",
        "delta-with-filter",
        "missing-script",
        "bad-history",
        "load-reload-pk-without-key",
        "dotted-extract-table",
        "bad-insert-mode",
        "load-postgres-not-insert",
    ],
)
def test_bad_sql_step_is_one_clear_error(definitions: Path, steps: str, expected: str) -> None:
    errors = _errors(definitions, steps)
    assert any(expected in e for e in errors), errors


def test_every_sql_step_type_validates_and_builds(definitions: Path) -> None:
    from airflow_dataduct.factory.dag import build_dag

    path = definitions / "all.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            name: all_sql
            steps:
            -   step_type: extract-redshift
                name: unload
                schema: dev
                table: test_table
            -   step_type: load-redshift
                schema: dev
                table: test_table_2
                insert_mode: KEEP_EXISTING
                max_errors: 3
                replace_invalid_char: "'?'"
                compression: gzip
            -   step_type: extract-postgres
                name: pg
                sql: SELECT 1
            -   step_type: load-postgres
                table: t
                insert_query: INSERT INTO t VALUES (?)
            -   step_type: load-reload-pk
                input_node: unload
                staging_table_definition: tables/dev.test_table.sql
                production_table_definition: tables/dev.test_table_2.sql
            -   step_type: create-update-sql
                table_definition: tables/dev.test_table.sql
                command: DELETE FROM dev.test_table WHERE id < %s
                script_arguments: [4]
            -   step_type: upsert
                script: scripts/select.sql
                destination: tables/dev.test_table_2.sql
                history: tables/history.sql
            -   step_type: reload
                source: tables/dev.test_table.sql
                destination: tables/no_pk.sql
            -   step_type: delta-load
                source: tables/dev.test_table.sql
                destination: tables/dev.test_table_2.sql
                date_column: id
                window: 2
            -   step_type: sql-command
                command: SELECT 1
                queue: etl
                wrap_transaction: false
            """
        )
    )
    config = open_definitions(definitions)
    dag = build_dag(read_pipeline(path, config), config)
    downstream = {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}
    assert downstream["unload"] == [
        "LoadRedshiftStep0",
        "LoadReloadAndPrimaryKeyStep0.create_and_load",
    ]
    assert downstream["LoadReloadAndPrimaryKeyStep0.create_and_load"] == [
        "LoadReloadAndPrimaryKeyStep0.reload"
    ]
    assert downstream["LoadReloadAndPrimaryKeyStep0.reload"] == [
        "LoadReloadAndPrimaryKeyStep0.primary_key_check"
    ]
    assert downstream["pg"] == ["LoadPostgresStep0"]
    load = dag.get_task("LoadRedshiftStep0")
    assert (load.insert_mode, load.max_errors, load.replace_invalid_char) == (
        "KEEP_EXISTING",
        3,
        "?",
    )
    upsert = dag.get_task("UpsertStep0")
    assert upsert.source == "SELECT id, description FROM dev.x;"
    assert upsert.options.history is not None
    delta = dag.get_task("DeltaLoadStep0")
    assert delta.options.filter_clause.startswith("WHERE id >= COALESCE((SELECT MAX(id)")
    assert dag.get_task("CreateUpdateSqlStep0").script_arguments == ["4"]
    command = dag.get_task("SqlCommandStep0")
    assert command.session_statements(Dialect.REDSHIFT) == ["SET query_group TO 'etl'"]
    assert command.session_statements(Dialect.POSTGRES) == []
    assert not command.wrap_transaction


def test_misspelt_schema_key_suggests_the_yaml_name(definitions: Path) -> None:
    errors = _errors(definitions, "-   step_type: extract-redshift\n    schem: dev\n    table: t\n")
    assert "4: unknown key 'schem' (did you mean 'schema'?)" in errors
