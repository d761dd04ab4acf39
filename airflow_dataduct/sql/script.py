"""SQL scripts users write (``command``/``script`` keys): split, sanitised, arguments bound.

Dataduct (docs/steps.md) strips comments and every BEGIN/COMMIT, then splits on ``;``; its runner
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

from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.tables.comments import strip_comments

_TRANSACTION_CONTROL = re.compile(
    r"(?is)^(BEGIN|START\s+TRANSACTION|COMMIT|END)(\s+(WORK|TRANSACTION))?$"
)
_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$([A-Za-z_]*)\$.*?\$\1\$", re.S)


_GO_LINE = re.compile(r"^\s*GO\b", re.IGNORECASE | re.MULTILINE)


def split_statements(sql: str) -> list[str]:
    """The statements of a script, comments removed (block comments nest, as in Redshift and
    Dataduct; sqlparse's do not), without BEGIN/COMMIT/END and ``;``."""
    text = strip_comments(sql)
    # sqlparse splits only at ';' and at a line 'GO': without either (a final ';' aside), the
    # text is one statement (tokenizing it would cost ~2 ms a script, on every validation)
    one = ";" not in text.rstrip().rstrip(";") and not _GO_LINE.search(text)
    pieces = [text] if one else sqlparse.split(text)
    statements = []
    for raw in pieces:
        statement = raw.strip().rstrip(";").strip()
        if statement and not _TRANSACTION_CONTROL.match(statement):
            statements.append(statement)
    return statements


def one_statement(sql: str, key: str) -> None:
    """Raise ValueError unless ``sql`` holds exactly one statement (a SELECT is expected)."""
    count = len(split_statements(sql))
    if count != 1:
        found = "none" if count == 0 else f"{count} statements"
        raise ValueError(f"{key}: expected one SELECT statement, found {found}")


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


_TRUNCATE = re.compile(r"(?is)^TRUNCATE\s+(?:TABLE\s+)?(.+)$")
_NO_TRANSACTION = re.compile(
    r"(?is)^(VACUUM\b|(CREATE|ALTER|DROP)\s+(DATABASE|EXTERNAL\s+(TABLE|SCHEMA|VIEW))\b)"
)


def transaction_safe(statement: str, dialect: Dialect) -> str:
    """``statement`` as it can run inside the step's transaction on ``dialect``.

    Redshift's TRUNCATE commits the open transaction (r_TRUNCATE): it becomes the equivalent
    ``DELETE FROM``. VACUUM and the statements Redshift refuses in a transaction block raise
    ValueError: they would otherwise fail or half-commit the step. PostgreSQL: unchanged.
    """
    if dialect is not Dialect.REDSHIFT:
        return statement
    if match := _TRUNCATE.match(statement.strip()):
        return f"DELETE FROM {match.group(1).strip()}"
    if match := _NO_TRANSACTION.match(statement.strip()):
        raise ValueError(
            f"{' '.join(match.group(1).split()).upper()} cannot run inside a transaction on "
            "Redshift; run it in a step of its own with wrap_transaction: false (sql-command) "
            "or non_transactional: true"
        )
    return statement


def driver_sql(sql: str, dialect: Dialect) -> str:
    """A statement meant for bound parameters, written with psycopg's rules (``%s`` a
    placeholder, ``%%`` a literal ``%`` everywhere), as the dialect's driver must receive it
    for the server to get the same text.

    psycopg 2 and 3 (PostgreSQL) turn every ``%%`` into ``%``. redshift_connector (paramstyle
    ``format``, its ``convert_paramstyle``) does so only outside quoted strings, quoted names
    and comments, passing what is inside them as written: there each ``%%`` becomes ``%``.
    A scanner of the same states as the driver's: a regex cannot follow its comment rules.
    """
    if dialect is not Dialect.REDSHIFT:
        return sql
    out: list[str] = []
    state, prev, i = "outside", "", 0
    while i < len(sql):
        char = sql[i]
        if state != "outside" and char == "%" and sql.startswith("%%", i):
            out.append("%")
            prev, i = "%", i + 2
            continue
        state = _next_state(state, char, prev, sql[i + 1 : i + 2])
        out.append(char)
        prev, i = char, i + 1
    return "".join(out)


def _next_state(state: str, char: str, prev: str, following: str) -> str:
    """redshift_connector's scanner: the state after ``char`` (``prev`` before it)."""
    if state == "outside":
        if char == "'":
            return "escaped" if prev == "E" else "quoted"
        return {'"': "name", "-": "line" if prev == "-" else state}.get(
            char, "block" if char == "*" and prev == "/" else state
        )
    if state == "quoted":
        return (
            "quoted_quote"
            if char == "'" and following == "'"
            else ("outside" if char == "'" else state)
        )
    if state == "quoted_quote":
        return "quoted"
    if state == "escaped":
        return "outside" if char == "'" and prev != "\\" else state
    if state == "name":
        return "outside" if char == '"' else state
    if state == "line":
        return "outside" if char == "\n" else state
    return "outside" if char == "/" and prev == "*" else state  # block comment
