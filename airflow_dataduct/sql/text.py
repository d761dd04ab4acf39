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
