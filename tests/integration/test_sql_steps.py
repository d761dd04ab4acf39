"""The SQL / warehouse step family against the real PostgreSQL warehouse stand-in.

Each test writes its own definitions folder (config, table files, one pipeline), builds the
DAG exactly as Airflow would, and runs its tasks in order (rendered, then executed).
"""

from __future__ import annotations

import gzip
import textwrap
from pathlib import Path
from typing import Any

import pytest

from airflow_dataduct.cli.main import main
from airflow_dataduct.errors import StepFailed, WarehouseSchemaError
from airflow_dataduct.factory.dag import build_dag
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.pipeline import read_pipeline
from airflow_dataduct.staging.store import LocalStagingStore
from tests.integration.conftest import SOURCE_DB, WAREHOUSE_DB, Stack, recreate_database

pytestmark = pytest.mark.integration

TABLES = {
    "dev.test_table.sql": "CREATE TABLE dev.test_table (id INTEGER PRIMARY KEY, "
    "description VARCHAR(255));",
    "dev.test_table_2.sql": "CREATE TABLE dev.test_table_2 (id INTEGER PRIMARY KEY, "
    "description VARCHAR(255));",
    "dev.history.sql": "CREATE TABLE dev.history (effective_ts TIMESTAMP, "
    "expiration_ts TIMESTAMP, id INTEGER, description VARCHAR(255));",
    "dev.events.sql": "CREATE TABLE dev.events (id INTEGER PRIMARY KEY, day DATE, "
    "note VARCHAR(20));",
    "dev.events_copy.sql": "CREATE TABLE dev.events_copy (id INTEGER PRIMARY KEY, day DATE, "
    "note VARCHAR(20));",
}
RUN = {"run_id": "manual__sql_steps"}
SOURCE_ROWS = (
    "CREATE TABLE people AS SELECT g AS id, CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN '' "
    "WHEN 2 THEN E'tab\\there' ELSE 'Name ' || g END AS name, "
    "CASE WHEN g % 3 = 0 THEN NULL ELSE 'P' || g || '@X.ORG' END AS email "
    "FROM generate_series(1, 3000) g"
)


@pytest.fixture
def stack(
    postgres: Any, airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Stack:
    """Empty source and warehouse databases and their connections (no seeded users: faster
    than the shared fixture); each test writes its own definitions folder."""
    recreate_database(postgres, SOURCE_DB)
    recreate_database(postgres, WAREHOUSE_DB)
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_MAESTRO", postgres.dsn(SOURCE_DB))
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_WAREHOUSE", postgres.dsn(WAREHOUSE_DB))
    monkeypatch.setenv("DATADUCT_DEFINITIONS_DIR", str(tmp_path / "defs"))
    return Stack(postgres, tmp_path / "defs", tmp_path / "staging")


def definitions(stack: Stack, tmp_path: Path, steps: str, permissions: bool = False) -> Path:
    """A definitions folder with the test tables and one pipeline ``p`` of ``steps``."""
    folder = tmp_path / "defs"
    (folder / "tables").mkdir(parents=True)
    for name, text in TABLES.items():
        (folder / "tables" / name).write_text(text)
    config = f"staging:\n  location: {stack.staging}\npostgres:\n  conn_id: dataduct_maestro\n"
    if permissions:
        config += "database:\n  permissions:\n  - {group: sql_steps_readers, permission: SELECT}\n"
    (folder / "dataduct.yaml").write_text(config)
    (folder / "p.yaml").write_text("name: p\nsteps:\n" + textwrap.dedent(steps))
    return folder


def build(stack: Stack, tmp_path: Path, steps: str, **kwargs: Any) -> Any:
    folder = definitions(stack, tmp_path, steps, **kwargs)
    config = open_definitions(folder)
    return build_dag(read_pipeline(folder / "p.yaml", config), config)


def run(dag: Any, task_id: str) -> Any:
    """Render and execute one task as a run would (same run id for every task)."""
    task = dag.get_task(task_id)
    task.render_template_fields(dict(RUN))
    return task.execute(dict(RUN))


def query(stack: Stack, sql: str) -> list[tuple[Any, ...]]:
    with stack.warehouse() as conn:
        return conn.execute(sql).fetchall()


def execute(stack: Stack, *statements: str) -> None:
    with stack.warehouse() as conn:
        for sql in statements:
            conn.execute(sql)


def seed_test_tables(stack: Stack) -> None:
    execute(
        stack,
        "CREATE SCHEMA dev",
        "CREATE TABLE dev.test_table_2 (id INTEGER PRIMARY KEY, description VARCHAR(255))",
        "INSERT INTO dev.test_table_2 VALUES (1, 'one'), (2, NULL), (3, 'three'), (7, 'seven')",
    )


# -- create-update-sql ------------------------------------------------------------------------

CREATE_UPDATE = """\
-   step_type: create-update-sql
    table_definition: tables/dev.test_table.sql
    command: |
        DELETE FROM dev.test_table WHERE id < 0;
        INSERT INTO dev.test_table
        SELECT * FROM dev.test_table_2
        WHERE id < %s;
    script_arguments:
    -   4
"""


def test_create_update_sql_creates_grants_and_binds_arguments(stack: Stack, tmp_path: Path) -> None:
    seed_test_tables(stack)
    execute(stack, "DROP ROLE IF EXISTS sql_steps_readers", "CREATE ROLE sql_steps_readers")
    dag = build(stack, tmp_path, CREATE_UPDATE, permissions=True)
    result = run(dag, "CreateUpdateSqlStep0")
    assert result["rowcounts"] == [0, 3]
    assert query(stack, "SELECT id, description FROM dev.test_table ORDER BY id") == [
        (1, "one"),
        (2, None),
        (3, "three"),
    ]
    grant = "SELECT has_table_privilege('sql_steps_readers', 'dev.test_table', 'SELECT')"
    assert query(stack, grant) == [(True,)]


def test_create_update_sql_failure_commits_nothing(stack: Stack, tmp_path: Path) -> None:
    seed_test_tables(stack)
    steps = CREATE_UPDATE.replace("WHERE id < %s;", "WHERE id < %s;\n        SELECT 1 / 0;")
    dag = build(stack, tmp_path, steps)
    with pytest.raises(StepFailed, match=r"'CreateUpdateSqlStep0' \(create-update-sql\).*zero"):
        run(dag, "CreateUpdateSqlStep0")
    exists = "SELECT to_regclass('dev.test_table') IS NULL"
    assert query(stack, exists) == [(True,)], "the CREATE was rolled back too"


def test_non_transactional_keeps_the_statements_before_a_failure(
    stack: Stack, tmp_path: Path
) -> None:
    seed_test_tables(stack)
    steps = CREATE_UPDATE.replace("WHERE id < %s;", "WHERE id < %s;\n        SELECT 1 / 0;")
    dag = build(stack, tmp_path, steps + "    non_transactional: true\n")
    with pytest.raises(StepFailed, match="division by zero"):
        run(dag, "CreateUpdateSqlStep0")
    assert query(stack, "SELECT count(*) FROM dev.test_table") == [(3,)]


# -- the upsert family --------------------------------------------------------------------------


def test_upsert_from_sql_with_arguments_keeps_a_type_2_history(
    stack: Stack, tmp_path: Path
) -> None:
    seed_test_tables(stack)
    steps = """\
-   step_type: upsert
    sql: SELECT id, description FROM dev.test_table_2 WHERE id < %s
    script_arguments: [5]
    destination: tables/dev.test_table.sql
    history: tables/dev.history.sql
"""
    dag = build(stack, tmp_path, steps)
    run(dag, "UpsertStep0")
    current = (
        "SELECT id, description FROM dev.history "
        "WHERE expiration_ts = '9999-12-31 23:59:59.999999' ORDER BY id"
    )
    assert query(stack, current) == [(1, "one"), (2, None), (3, "three")]
    execute(
        stack,
        "UPDATE dev.test_table_2 SET description = 'uno' WHERE id = 1",
        "UPDATE dev.test_table_2 SET description = 'two' WHERE id = 2",  # from NULL
        "DELETE FROM dev.test_table WHERE id = 3",
        "DELETE FROM dev.test_table_2 WHERE id = 3",
    )
    run(dag, "UpsertStep0")
    assert query(stack, current) == [(1, "uno"), (2, "two")]
    expired = (
        "SELECT id, description FROM dev.history "
        "WHERE expiration_ts < '9999-12-31' AND expiration_ts < effective_ts + INTERVAL '1 day' "
        "ORDER BY id"
    )
    assert query(stack, expired) == [(1, "one"), (2, None), (3, "three")]


def test_reload_replaces_every_row(stack: Stack, tmp_path: Path) -> None:
    seed_test_tables(stack)
    execute(
        stack,
        "CREATE TABLE dev.test_table (id INTEGER, description VARCHAR(255))",
        "INSERT INTO dev.test_table VALUES (99, 'old')",
    )
    steps = """\
-   step_type: reload
    source: tables/dev.test_table_2.sql
    destination: tables/dev.test_table.sql
"""
    result = run(build(stack, tmp_path, steps), "ReloadStep0")
    assert (result["deleted"], result["inserted"]) == (1, 4)
    assert query(stack, "SELECT id FROM dev.test_table ORDER BY id") == [(1,), (2,), (3,), (7,)]


def test_delta_load_takes_rows_from_the_latest_date_minus_the_window(
    stack: Stack, tmp_path: Path
) -> None:
    execute(
        stack,
        "CREATE SCHEMA dev",
        "CREATE TABLE dev.events (id INTEGER, day DATE, note VARCHAR(20))",
        "CREATE TABLE dev.events_copy (id INTEGER, day DATE, note VARCHAR(20))",
        "INSERT INTO dev.events SELECT g, DATE '2026-01-01' + g, 'new' "
        "FROM generate_series(1, 10) g",
        "INSERT INTO dev.events_copy SELECT g, DATE '2026-01-01' + g, 'old' "
        "FROM generate_series(1, 6) g",
    )
    steps = """\
-   step_type: delta-load
    source: tables/dev.events.sql
    destination: tables/dev.events_copy.sql
    date_column: day
    window: 2
"""
    run(build(stack, tmp_path, steps), "DeltaLoadStep0")
    rows = query(stack, "SELECT id, note FROM dev.events_copy ORDER BY id")
    # latest day was id 6; window 2 days: ids 4.. come from the source, 1-3 stay as they were
    assert rows == [(i, "old") for i in (1, 2, 3)] + [(i, "new") for i in range(4, 11)]


# -- sql-command --------------------------------------------------------------------------------


def test_sql_command_runs_in_one_transaction(stack: Stack, tmp_path: Path) -> None:
    seed_test_tables(stack)
    steps = """\
-   step_type: sql-command
    queue: etl
    command: |
        BEGIN;
        DELETE FROM dev.test_table_2 WHERE id = 1;
        SELECT 1 / 0;
        COMMIT;
"""
    with pytest.raises(StepFailed, match=r"'SqlCommandStep0' \(sql-command\)"):
        run(build(stack, tmp_path, steps), "SqlCommandStep0")
    assert query(stack, "SELECT count(*) FROM dev.test_table_2") == [(4,)]
    ok = "-   step_type: sql-command\n    command: DELETE FROM dev.test_table_2 WHERE id = %s\n"
    result = run(
        build(stack, tmp_path / "ok", ok + "    script_arguments: [7]\n"), "SqlCommandStep0"
    )
    assert result["rowcounts"] == [1]


# -- extract-redshift / load-redshift -----------------------------------------------------------


def _extract_then_load(mode: str) -> str:
    return f"""\
-   step_type: extract-redshift
    schema: dev
    table: events
-   step_type: load-redshift
    schema: dev
    table: events_copy
    insert_mode: {mode}
"""


def _events(stack: Stack) -> None:
    execute(
        stack,
        "CREATE SCHEMA dev",
        "CREATE TABLE dev.events (id INTEGER PRIMARY KEY, day DATE, note VARCHAR(20))",
        "CREATE TABLE dev.events_copy (id INTEGER PRIMARY KEY, day DATE, note VARCHAR(20))",
        "INSERT INTO dev.events VALUES (1, '2026-01-01', E'tab\\there'), (2, NULL, ''), "
        "(3, '2026-01-03', 'NULL')",
        "INSERT INTO dev.events_copy VALUES (1, '2025-01-01', 'old'), (9, NULL, 'kept')",
    )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("TRUNCATE", [1, 2, 3]),
        ("APPEND", None),
        ("KEEP_EXISTING", [(1, "old"), (2, ""), (3, "NULL"), (9, "kept")]),
        ("OVERWRITE_EXISTING", [(1, "tab\there"), (2, ""), (3, "NULL"), (9, "kept")]),
    ],
)
def test_extract_redshift_then_load_redshift_in_every_insert_mode(
    stack: Stack, tmp_path: Path, mode: str, expected: Any
) -> None:
    _events(stack)
    dag = build(stack, tmp_path, _extract_then_load(mode))
    assert run(dag, "ExtractRedshiftStep0")["rows"] == 3
    if mode == "APPEND":
        execute(stack, "ALTER TABLE dev.events_copy DROP CONSTRAINT events_copy_pkey")
    result = run(dag, "LoadRedshiftStep0")
    assert result["rows"] == 3
    rows = query(stack, "SELECT id, note FROM dev.events_copy ORDER BY id, note")
    if mode == "TRUNCATE":
        assert query(stack, "SELECT * FROM dev.events_copy ORDER BY id") == query(
            stack, "SELECT * FROM dev.events ORDER BY id"
        )
    elif mode == "APPEND":
        assert [r[0] for r in rows] == [1, 1, 2, 3, 9]
    else:
        assert rows == expected


def test_load_redshift_into_a_missing_table_fails_clearly(stack: Stack, tmp_path: Path) -> None:
    _events(stack)
    execute(stack, "DROP TABLE dev.events_copy")
    dag = build(stack, tmp_path, _extract_then_load("TRUNCATE"))
    run(dag, "ExtractRedshiftStep0")
    with pytest.raises(StepFailed, match=r"table dev\.events_copy does not exist"):
        run(dag, "LoadRedshiftStep0")


def test_rejected_rows_commit_nothing_and_keep_the_staged_files(
    stack: Stack, tmp_path: Path
) -> None:
    _events(stack)
    execute(stack, "ALTER TABLE dev.events_copy ALTER COLUMN note TYPE VARCHAR(4)")
    dag = build(stack, tmp_path, _extract_then_load("TRUNCATE"))
    run(dag, "ExtractRedshiftStep0")
    with pytest.raises(StepFailed, match=r"'LoadRedshiftStep0' \(load-redshift\).*too long"):
        run(dag, "LoadRedshiftStep0")
    assert query(stack, "SELECT id, note FROM dev.events_copy ORDER BY id") == [
        (1, "old"),
        (9, "kept"),
    ]
    store = LocalStagingStore(stack.staging)
    prefix = dag.get_task("LoadRedshiftStep0").staging_prefix
    assert store.read_manifest(prefix).rows == 3


# -- extract-postgres / load-postgres -----------------------------------------------------------


def test_extract_postgres_then_load_postgres(stack: Stack, tmp_path: Path) -> None:
    with stack.source() as source:
        source.execute(SOURCE_ROWS)
        source.execute("CREATE TABLE copied (id BIGINT, name TEXT, email TEXT)")
    steps = """\
-   step_type: extract-postgres
    sql: SELECT id, name, email FROM people WHERE id <= 500
-   step_type: load-postgres
    table: copied
    insert_query: "INSERT INTO copied (id, name, email) VALUES (?, ?, lower(?));"
"""
    dag = build(stack, tmp_path, steps)
    run(dag, "ExtractPostgresStep0")
    assert run(dag, "LoadPostgresStep0")["rows"] == 500
    with stack.source() as source:
        expected = source.execute(
            "SELECT id, name, lower(email) FROM people WHERE id <= 500 ORDER BY id"
        ).fetchall()
        assert source.execute("SELECT * FROM copied ORDER BY id").fetchall() == expected


def test_load_postgres_bad_row_commits_nothing(stack: Stack, tmp_path: Path) -> None:
    with stack.source() as source:
        source.execute(SOURCE_ROWS)
        source.execute("CREATE TABLE copied (id BIGINT, name VARCHAR(3))")
    steps = """\
-   step_type: extract-postgres
    sql: SELECT id, name FROM people ORDER BY id
-   step_type: load-postgres
    table: copied
    insert_query: INSERT INTO copied VALUES (?, ?)
"""
    dag = build(stack, tmp_path, steps)
    run(dag, "ExtractPostgresStep0")
    with pytest.raises(StepFailed, match="too long"):
        run(dag, "LoadPostgresStep0")
    with stack.source() as source:
        assert source.execute("SELECT count(*) FROM copied").fetchone() == (0,)


# -- load-reload-pk -----------------------------------------------------------------------------


def test_load_reload_pk_loads_reloads_and_checks(stack: Stack, tmp_path: Path) -> None:
    _events(stack)
    steps = """\
-   step_type: extract-redshift
    schema: dev
    table: events
-   step_type: load-reload-pk
    staging_table_definition: tables/dev.test_table.sql
    production_table_definition: tables/dev.test_table_2.sql
"""
    execute(stack, "CREATE TABLE dev.test_table_2 (id INTEGER, description VARCHAR(255))")
    execute(stack, "ALTER TABLE dev.events DROP COLUMN day")
    dag = build(stack, tmp_path, steps)
    group = "LoadReloadAndPrimaryKeyStep0"
    run(dag, "ExtractRedshiftStep0")
    assert run(dag, f"{group}.create_and_load")["rows"] == 3
    assert run(dag, f"{group}.reload")["inserted"] == 3
    assert run(dag, f"{group}.primary_key_check")["success"] is True
    assert query(stack, "SELECT id, description FROM dev.test_table_2 ORDER BY id") == [
        (1, "tab\there"),
        (2, ""),
        (3, "NULL"),
    ]


# -- database commands --------------------------------------------------------------------------


def test_database_create_executes_in_foreign_key_order_and_drop_undoes_it(
    stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = definitions(stack, tmp_path, "-   step_type: sql-command\n    command: SELECT 1\n")
    parent = folder / "tables" / "shop.customers.sql"
    child = folder / "tables" / "shop.orders.sql"
    parent.write_text("CREATE TABLE shop.customers (id INTEGER PRIMARY KEY);")
    child.write_text(
        "CREATE TABLE shop.orders (id INTEGER, customer_id INTEGER REFERENCES shop.customers(id));"
    )
    args = ["--definitions", str(folder), "--execute", str(child), str(parent)]
    assert main(["database", "create", *args]) == 0
    assert "committed" in capsys.readouterr().out
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'shop'"
    assert query(stack, tables) == [(2,)]
    assert main(["database", "create", *args]) == 1  # exists already: nothing changes
    assert "nothing changed" in capsys.readouterr().err
    assert main(["database", "drop", *args]) == 0
    assert query(stack, tables) == [(0,)]


def test_pipeline_runs_in_airflow_with_the_task_group(stack: Stack, tmp_path: Path) -> None:
    _events(stack)
    execute(stack, "ALTER TABLE dev.events DROP COLUMN day")
    steps = """\
-   step_type: extract-redshift
    schema: dev
    table: events
-   step_type: load-reload-pk
    name: lrp
    staging_table_definition: tables/dev.test_table.sql
    production_table_definition: tables/dev.test_table_2.sql
-   step_type: sql-command
    depends_on: lrp
    command: DELETE FROM dev.test_table_2 WHERE id = 2
"""
    assert build(stack, tmp_path, steps).test().state == "success"
    assert query(stack, "SELECT id FROM dev.test_table_2 ORDER BY id") == [(1,), (3,)]


# -- where loads read: input_path, an EMR job's output; the load runner's flags -----------------

LANDED = b"1\tone\n2\tNULL\n"
LANDED_GZ = b"3\ttab\\\there\n"  # an escaped tab: backslash, then the tab


def landed_files(tmp_path: Path) -> Path:
    """Dataduct TSV (NULL as the literal ``NULL``) already at a location, one part gzip."""
    folder = tmp_path / "landing"
    folder.mkdir()
    (folder / "part-0").write_bytes(LANDED)
    (folder / "part-1.gz").write_bytes(gzip.compress(LANDED_GZ))
    return folder


def test_load_redshift_reads_input_path_in_place_and_leaves_it(
    stack: Stack, tmp_path: Path
) -> None:
    seed_test_tables(stack)
    folder = landed_files(tmp_path)
    steps = f"""\
-   step_type: load-redshift
    input_path: {folder}
    schema: dev
    table: test_table_2
"""
    dag = build(stack, tmp_path, steps)
    assert dag.get_task("LoadRedshiftStep0").input_layout == "listing"
    assert run(dag, "LoadRedshiftStep0")["rows"] == 3
    assert query(stack, "SELECT * FROM dev.test_table_2 ORDER BY id") == [
        (1, "one"),
        (2, None),
        (3, "tab\there"),
    ]
    assert sorted(p.name for p in folder.iterdir()) == ["part-0", "part-1.gz"]


def test_load_reload_pk_reads_input_path_and_logs_its_check(stack: Stack, tmp_path: Path) -> None:
    seed_test_tables(stack)
    folder = landed_files(tmp_path)
    steps = f"""\
-   step_type: load-reload-pk
    input_path: {folder}
    staging_table_definition: tables/dev.test_table.sql
    production_table_definition: tables/dev.test_table_2.sql
    log_to_s3: true
"""
    dag = build(stack, tmp_path, steps)
    group = "LoadReloadAndPrimaryKeyStep0"
    assert run(dag, f"{group}.create_and_load")["rows"] == 3
    run(dag, f"{group}.reload")
    assert run(dag, f"{group}.primary_key_check")["success"] is True
    assert query(stack, "SELECT id FROM dev.test_table_2 ORDER BY id") == [(1,), (2,), (3,)]
    rows = list((stack.staging / "qa" / "dba_table_qa_tests").glob("*.tsv"))
    assert len(rows) == 1
    fields = rows[0].read_text().split("\t")
    assert fields[:2] == ["dev", "test_table_2"]
    assert fields[4:7] == [f"p.{group}_primary_key_check", "1", "0"]


def test_load_postgres_reads_an_emr_jobs_part_files(stack: Stack, tmp_path: Path) -> None:
    from airflow_dataduct.operators.load_postgres import LoadPostgresOperator

    with stack.source() as source:
        source.execute("CREATE TABLE counted (question TEXT, votes INT)")
    output = stack.staging / "emr" / "questions"
    output.mkdir(parents=True)
    (output / "part-00000").write_bytes(b"q1\t3\nq2\t\\N\n")
    operator = LoadPostgresOperator(
        task_id="load",
        table="counted",
        insert_query="INSERT INTO counted VALUES (?, ?)",
        conn_id="dataduct_maestro",
        staging_location=str(stack.staging),
        staging_prefix="emr/questions",
        input_layout="hadoop",
    )
    with pytest.raises(FileNotFoundError, match="_SUCCESS is missing"):
        operator.execute({})
    (output / "_SUCCESS").write_bytes(b"")
    assert operator.execute({})["rows"] == 2
    with stack.source() as source:
        rows = source.execute("SELECT * FROM counted ORDER BY question").fetchall()
    assert rows == [("q1", 3), ("q2", None)]
    assert (output / "part-00000").exists(), "an EMR output is never removed by a load"


def _create_load(arguments: str) -> str:
    return f"""\
-   step_type: extract-redshift
    schema: dev
    table: events
-   step_type: create-load-redshift
    table_definition: tables/dev.events_copy.sql
    script_arguments: {arguments}
"""


def test_force_drop_table_recreates_a_table_whose_columns_changed(
    stack: Stack, tmp_path: Path
) -> None:
    _events(stack)
    execute(stack, "ALTER TABLE dev.events_copy RENAME COLUMN note TO old_note")
    mismatch = build(stack, tmp_path, _create_load("[--max_error=0]"))
    run(mismatch, "ExtractRedshiftStep0")
    with pytest.raises(WarehouseSchemaError, match="exists with columns"):
        run(mismatch, "CreateAndLoadStep0")
    dag = build(stack, tmp_path / "again", _create_load("[--force_drop_table]"))
    run(dag, "ExtractRedshiftStep0")
    assert run(dag, "CreateAndLoadStep0")["rows"] == 3
    assert query(stack, "SELECT * FROM dev.events_copy ORDER BY id") == query(
        stack, "SELECT * FROM dev.events ORDER BY id"
    )


def test_no_escape_on_postgres_fails_and_changes_nothing(stack: Stack, tmp_path: Path) -> None:
    _events(stack)
    dag = build(stack, tmp_path, _create_load("[--no_escape]"))
    run(dag, "ExtractRedshiftStep0")
    with pytest.raises(StepFailed, match="--no_escape change how Redshift reads"):
        run(dag, "CreateAndLoadStep0")
    assert query(stack, "SELECT id, note FROM dev.events_copy ORDER BY id") == [
        (1, "old"),
        (9, "kept"),
    ]
