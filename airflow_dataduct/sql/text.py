"""Handling SQL text that users write (``sql:`` keys): trimming and wrapping as a subquery."""

from __future__ import annotations

import re


def strip_statement(sql: str) -> str:
    """A single SELECT without its trailing semicolons and whitespace."""
    return re.sub(r"[\s;]+$", "", sql.strip())


def subquery(sql: str) -> str:
    """``(<select>)``; the parenthesis closes on a new line when the SELECT has a ``--`` comment."""
    body = strip_statement(sql)
    return f"({body}\n)" if "--" in body else f"({body})"


_ORDER_BY = re.compile(r"ORDER\s+BY", re.IGNORECASE)


def ends_in_unlimited_order_by(sql: str) -> bool:
    """Whether the statement's own (outermost) ORDER BY has no LIMIT after it: an order that
    a database may drop once the statement is a derived table (MariaDB does)."""
    import sqlparse  # deferred: only MySQL extracts ask, and it costs start-up time

    ordered = False
    for token in sqlparse.parse(sql)[0].tokens:  # subqueries and OVER (...) are nested groups
        if token.is_keyword:
            if _ORDER_BY.fullmatch(token.normalized):
                ordered = True
            elif token.normalized == "LIMIT":
                ordered = False
    return ordered
