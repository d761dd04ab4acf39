"""The records SELECT MySQL extracts run: field expressions by column type, built from the
interchange format's constants as hex literals. (Their output is compared with the Python
formatting on a real MariaDB in tests/integration/mysql/test_mysql_records.py.)"""

from __future__ import annotations

import re

import pytest

from airflow_dataduct.sources.mysql_records import field_sql, sql_bytes
from airflow_dataduct.staging import interchange

ENUM, GEOMETRY, VAR_STRING, LONGLONG, DATETIME = 247, 255, 253, 8, 12


def test_literals_are_hex_so_no_sql_mode_changes_their_meaning() -> None:
    assert sql_bytes("\\N") == "X'5c4e'"
    assert sql_bytes("\U0001f600") == "X'f09f9880'"
    assert sql_bytes("") == "''"


@pytest.mark.parametrize(
    ("code", "converter"),
    [(LONGLONG, None), (DATETIME, None), (7, None), (16, None), (VAR_STRING, str),
     (VAR_STRING, bytes), (GEOMETRY, None), (6, None)],
)  # fmt: skip
def test_field_expressions_write_null_and_quote_only_hex_literals(
    code: int, converter: object
) -> None:
    sql = field_sql("q.`c`", code, converter)
    assert sql is not None
    assert sql_bytes(interchange.NULL) in sql
    assert not re.search("[\\\\\"']", re.sub(r"X'[0-9a-f]*'|''", "", sql))


def test_types_without_a_rule_are_left_to_python() -> None:
    assert field_sql("q.`c`", ENUM, str) is None  # never sent: ENUM arrives as STRING
    assert field_sql("q.`c`", VAR_STRING, int) is None  # a converter this module does not know


def test_text_is_escaped_backslash_first_with_the_interchange_escapes() -> None:
    sql = field_sql("q.`c`", VAR_STRING, str)
    assert sql is not None
    escapes = interchange.TEXT_ESCAPES.items()
    replaced = [sql.index(f"{sql_bytes(c)}, {sql_bytes(t)})") for c, t in escapes]
    backslash = replaced[list(interchange.TEXT_ESCAPES).index("\\")]
    assert backslash == min(replaced), "the backslash is escaped before the escapes add more"
