"""The records SELECT MySQL extracts run: field expressions by column type, built from the
interchange format's constants as hex literals. (Their output is compared with the Python
formatting on a real MariaDB in tests/integration/mysql/test_mysql_records.py.)"""

from __future__ import annotations

import re

import pytest

from airflow_dataduct.sources import mysql_records
from airflow_dataduct.sources.mysql_records import Escaping, field_sql, regexp_escapes, sql_bytes
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
@pytest.mark.parametrize("escaping", list(Escaping))
def test_field_expressions_write_null_and_quote_only_hex_literals(
    code: int, converter: object, escaping: Escaping
) -> None:
    sql = field_sql("q.`c`", code, converter, escaping)
    assert sql is not None
    assert sql_bytes(interchange.NULL) in sql
    assert not re.search("[\\\\\"']", re.sub(r"X'[0-9a-f]*'|''", "", sql))


def test_types_without_a_rule_are_left_to_python() -> None:
    for escaping in Escaping:
        assert field_sql("q.`c`", ENUM, str, escaping) is None  # ENUM arrives as a STRING
        assert field_sql("q.`c`", VAR_STRING, int, escaping) is None  # an unknown converter


def test_a_replace_chain_escapes_the_backslash_first() -> None:
    sql = field_sql("q.`c`", VAR_STRING, str, Escaping.REPLACE)
    assert sql is not None
    escapes = interchange.TEXT_ESCAPES.items()
    replaced = [sql.index(f"{sql_bytes(c)}, {sql_bytes(t)})") for c, t in escapes]
    backslash = replaced[list(interchange.TEXT_ESCAPES).index("\\")]
    assert backslash == min(replaced), "the backslash is escaped before the escapes add more"


def test_regexp_escapes_backslash_tab_lf_cr_in_one_pass_and_drops_nul() -> None:
    assert regexp_escapes() == [
        ("([\\x5c\\x09\\x0a\\x0d])", "\\\\\\1"),  # MariaDB: an escaped backslash, then group 1
        ("[\\x00]", ""),
    ]


def test_escapes_of_another_shape_leave_text_to_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mysql_records, "TEXT_ESCAPES", {"\t": " ", "\\": "\\\\"})
    assert regexp_escapes() is None
    assert field_sql("q.`c`", VAR_STRING, str, Escaping.REGEXP) is None
    assert field_sql("q.`c`", LONGLONG, None, Escaping.REGEXP) is not None
