"""SQL comments as Redshift (and Dataduct's ``sanitize_sql``) read them: ``--`` to the end of
the line, and ``/* ... */`` block comments that nest (``/* a /* b */ c */`` is one comment).

Written here because neither sqlparse nor a regular expression nests block comments.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$((?:[A-Za-z_]\w*)?)\$.*?\$\1\$", re.S)


def block_comment_end(sql: str, start: int) -> int:
    """The offset just after the block comment opening at ``start``; -1 when it never closes."""
    depth, pos = 0, start
    while pos < len(sql):
        pair = sql[pos : pos + 2]
        if pair == "/*":
            depth, pos = depth + 1, pos + 2
        elif pair == "*/":
            depth, pos = depth - 1, pos + 2
            if depth == 0:
                return pos
        else:
            pos += 1
    return -1


def strip_comments(sql: str) -> str:
    """``sql`` without its comments (a block comment leaves a space, a line comment its line
    break); quoted strings, identifiers and dollar-quoted bodies are kept as written.
    An unterminated block comment runs to the end of the text, as in Redshift."""
    out, pos = [], 0
    while pos < len(sql):
        char = sql[pos]
        quoted = _QUOTED.match(sql, pos) if char in "'\"$" else None
        if quoted:
            out.append(quoted.group())
            pos = quoted.end()
        elif sql.startswith("--", pos):
            newline = sql.find("\n", pos)
            pos = len(sql) if newline < 0 else newline
        elif sql.startswith("/*", pos):
            end = block_comment_end(sql, pos)
            pos = len(sql) if end < 0 else end
            out.append(" ")
        else:
            out.append(char)
            pos += 1
    return "".join(out)
