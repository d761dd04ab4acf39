"""What the server receives for statements run with parameters, through each dialect's own
driver conversion; and user scripts kept transaction-safe on Redshift.

SQL text users write: nested block comments removed whole, as Redshift and Dataduct read them."""

from __future__ import annotations

import pytest
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer
from redshift_connector.core import convert_paramstyle

from airflow_dataduct.sql.column_check import bind_key_set
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.script import (
    bind_arguments,
    driver_sql,
    one_statement,
    split_statements,
    transaction_safe,
)
from airflow_dataduct.tables.comments import strip_comments


def psycopg_server_text(sql: str, params: tuple[object, ...]) -> str:
    """The statement psycopg 3 sends (``$n`` placeholders): the meaning we write SQL for."""
    query = PostgresQuery(Transformer())
    query.convert(sql, params)
    return query.query.decode()


def redshift_server_text(sql: str) -> str:
    """The statement redshift_connector sends, by its own ``convert_paramstyle``."""
    return convert_paramstyle("format", sql)[0]


KEY_SET_SQL = [
    "SELECT id, note FROM dev.t WHERE note = '100%' AND id IN PRIMARY_KEY_SET",
    "SELECT id, note FROM dev.t WHERE note LIKE '%off%' AND id IN PRIMARY_KEY_SET -- 5% sample",
    'SELECT "a%b", note FROM dev.t WHERE ("a%b") IN PRIMARY_KEY_SET /* 50%% */',
    "SELECT id, mod(id, 7) % 3 FROM dev.t WHERE id IN PRIMARY_KEY_SET AND 'it''s 9%' <> ''",
]


@pytest.mark.parametrize("sql", KEY_SET_SQL)
def test_column_check_key_query_reaches_redshift_as_written(sql: str) -> None:
    bound = bind_key_set(sql, 2, 1)
    expected = psycopg_server_text(bound, (1, 2))
    assert "PRIMARY_KEY_SET" not in expected and sql.split(" WHERE ")[0] in expected
    assert redshift_server_text(driver_sql(bound, Dialect.REDSHIFT)) == expected


def test_without_conversion_redshift_would_receive_doubled_percent_signs() -> None:
    bound = bind_key_set(KEY_SET_SQL[0], 1, 1)
    assert "'100%%'" in redshift_server_text(bound)  # the finding this conversion fixes
    assert "'100%'" in redshift_server_text(driver_sql(bound, Dialect.REDSHIFT))


SCRIPT = """
INSERT INTO dev.t SELECT %s, '50%% off', 'E''s %%' -- 10%% of rows
;
UPDATE dev.t SET note = note || '%%' WHERE "pct%%" > %s /* 3%% */;
DELETE FROM dev.t WHERE note LIKE 'x%%';
"""


def test_script_arguments_and_unbound_statements_reach_redshift_as_psycopg_sends_them() -> None:
    for sql, params in bind_arguments(split_statements(SCRIPT), ["a", "b"]):
        assert params is not None  # () for the statement without placeholders
        expected = psycopg_server_text(sql, params)
        assert "%%" not in expected
        assert redshift_server_text(driver_sql(sql, Dialect.REDSHIFT)) == expected


def test_postgres_statements_go_to_psycopg_unchanged() -> None:
    assert driver_sql("SELECT '50%%', %s", Dialect.POSTGRES) == "SELECT '50%%', %s"


@pytest.mark.parametrize(
    ("statement", "rewritten"),
    [
        ("TRUNCATE dev.t", "DELETE FROM dev.t"),
        ('truncate table "Dev"."T"', 'DELETE FROM "Dev"."T"'),
        ("SELECT 'TRUNCATE x'", "SELECT 'TRUNCATE x'"),
    ],
)
def test_truncate_becomes_delete_in_a_redshift_transaction(statement: str, rewritten: str) -> None:
    assert transaction_safe(statement, Dialect.REDSHIFT) == rewritten
    assert transaction_safe(statement, Dialect.POSTGRES) == statement


@pytest.mark.parametrize(
    "statement",
    ["VACUUM dev.t", "vacuum delete only dev.t", "CREATE DATABASE x", "DROP EXTERNAL TABLE s.t"],
)
def test_statements_that_commit_or_fail_in_a_redshift_transaction_are_refused(
    statement: str,
) -> None:
    with pytest.raises(ValueError, match="cannot run inside a transaction on Redshift"):
        transaction_safe(statement, Dialect.REDSHIFT)
    assert transaction_safe(statement, Dialect.POSTGRES) == statement


def test_a_nested_block_comment_is_removed_whole() -> None:
    sql = "/* a /* b */ c */ DELETE FROM t; /* x /* y /* z */ */ */ INSERT INTO t VALUES (1);"
    assert split_statements(sql) == ["DELETE FROM t", "INSERT INTO t VALUES (1)"]


def test_comment_marks_inside_quotes_are_text() -> None:
    sql = "SELECT '/* not', \"--col\", $$ /* body $$, $f$ -- x $f$ FROM t -- gone\n;"
    assert split_statements(sql) == [
        "SELECT '/* not', \"--col\", $$ /* body $$, $f$ -- x $f$ FROM t"
    ]


def test_an_unterminated_block_comment_runs_to_the_end() -> None:
    assert strip_comments("SELECT 1 /* open /* */") == "SELECT 1  "


@pytest.mark.parametrize("sql", ["SELECT 1; SELECT 2", "/* x */ ;; -- none\n"])
def test_one_statement_refuses_none_or_several(sql: str) -> None:
    with pytest.raises(ValueError, match="sql: expected one SELECT statement"):
        one_statement(sql, "sql")


def test_one_statement_accepts_a_select_with_comments_and_semicolons() -> None:
    one_statement("/* a /* b */ c */ SELECT 1;\n;-- done", "sql")
