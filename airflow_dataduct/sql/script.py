"""SQL scripts users write (``command``/``script`` keys): split, sanitised, arguments bound.

Dataduct (spec §5.1) strips comments and every BEGIN/COMMIT, then splits on ``;``; its runner
binds ``script_arguments`` to the whole script with psycopg2's ``%s``. Here the script is split
with sqlparse (which respects quotes, dollar quoting and comments, unlike Dataduct's split),
transaction-control statements are dropped (the step owns the transaction), and the
arguments are handed out to the statements in order, by their ``%s`` placeholders, so each
statement can be executed on its own with server-side binding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlparse

_TRANSACTION_CONTROL = re.compile(
    r"(?is)^(BEGIN|START\s+TRANSACTION|COMMIT|END)(\s+(WORK|TRANSACTION))?$"
)
_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$([A-Za-z_]*)\$.*?\$\1\$", re.S)


def split_statements(sql: str) -> list[str]:
    """The statements of a script, comments removed, without BEGIN/COMMIT/END and ``;``."""
    text = sqlparse.format(sql, strip_comments=True)
    statements = []
    for raw in sqlparse.split(text):
        statement = raw.strip().rstrip(";").strip()
        if statement and not _TRANSACTION_CONTROL.match(statement):
            statements.append(statement)
    return statements


def format_statements(statements: Sequence[str]) -> str:
    """Statements as one readable script: each re-indented by sqlparse, ended by ``;``, one
    paragraph each (what the UI's Rendered Template shows, and what runs after
    :func:`split_statements`)."""
    return "\n\n".join(_readable(statement).strip() + ";" for statement in statements)


_DML = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


def _readable(statement: str) -> str:
    """DML re-indented by sqlparse; DDL as generated (sqlparse breaks ``CREATE TEMPORARY``)."""
    return sqlparse.format(statement, reindent=True) if _DML.match(statement) else statement


def placeholder_count(statement: str) -> int:
    """``%s`` placeholders outside string literals and quoted names (``%%`` is a literal %)."""
    bare = _LITERALS.sub("''", statement).replace("%%", "")
    return bare.count("%s")


def bind_arguments(
    statements: Sequence[str], arguments: Sequence[str] | None
) -> list[tuple[str, tuple[str, ...] | None]]:
    """Each statement with its share of ``arguments`` (None: run it without binding).

    Without arguments, statements run unbound, so a literal ``%`` needs no doubling; with
    arguments, the number of ``%s`` placeholders must equal the number of arguments.
    """
    if not arguments:
        return [(s, None) for s in statements]
    counts = [placeholder_count(s) for s in statements]
    if sum(counts) != len(arguments):
        raise ValueError(
            f"script_arguments has {len(arguments)} value(s) but the SQL has {sum(counts)} "
            "%s placeholder(s)"
        )
    bound, start = [], 0
    for statement, count in zip(statements, counts, strict=True):
        bound.append((statement, tuple(arguments[start : start + count])))
        start += count
    return bound
