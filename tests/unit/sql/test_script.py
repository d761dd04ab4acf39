"""SQL text users write: nested block comments removed whole, as Redshift and Dataduct read them."""

from __future__ import annotations

import pytest

from airflow_dataduct.sql.script import one_statement, split_statements
from airflow_dataduct.tables.comments import strip_comments


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
