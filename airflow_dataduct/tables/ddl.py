"""Parse a ``tables/*.sql`` Redshift ``CREATE TABLE`` definition into a :class:`Table`.

A small regex tokenizer is used rather than sqlglot's: it reports exact file positions for
unterminated quotes/comments and lexes lazily, so text after the first statement is never read.

Semantics kept from Dataduct, on purpose:

* only the first statement of a file is used; everything after its ``;`` is ignored;
* ``UNIQUE`` (column-level, or ``UNIQUE (cols)``) is taken as the primary key, but only when the
  table declares no ``PRIMARY KEY`` anywhere; several UNIQUE columns then form one composite key.

``Table.foreign_keys`` lists every foreign key in file order: table-level ``FOREIGN KEY`` clauses
and column-level ``REFERENCES`` (the latter are also kept on ``Column.references``).
``SORTKEY AUTO`` leaves ``sort_keys`` empty and ``sort_style`` None.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from airflow_dataduct.errors import DefinitionError, Location
from airflow_dataduct.tables.comments import block_comment_end
from airflow_dataduct.tables.model import Column, ForeignKey, Table

__all__ = ["parse_table_file", "parse_table_sql"]

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>--[^\n]*)
  | (?P<block>/\*)
  | (?P<ident>"(?:[^"]|"")*"|`(?:[^`]|``)*`)
  | (?P<string>'(?:[^'\\]|''|\\.)*')
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<word>\#?[^\W\d][\w$]*)
  | (?P<unterminated>["'`])
  | (?P<op>::|\|\||<>|[<>!]=|.)
    """,
    re.VERBOSE | re.DOTALL,
)

_UNTERMINATED = {
    '"': "unterminated quoted identifier: expected a closing '\"', found end of file",
    "`": "unterminated quoted identifier: expected a closing '`', found end of file",
    "'": 'unterminated string literal: expected a closing "\'", found end of file',
    "/*": "unterminated comment: expected '*/', found end of file",
}

_COLUMN_ATTRS = frozenset(
    {
        "NOT",
        "NULL",
        "DEFAULT",
        "IDENTITY",
        "GENERATED",
        "ENCODE",
        "DISTKEY",
        "SORTKEY",
        "PRIMARY",
        "UNIQUE",
        "REFERENCES",
        "COLLATE",
        "CONSTRAINT",
    }
)
_PLAIN_TYPES = frozenset(
    {
        "SMALLINT",
        "INT2",
        "INTEGER",
        "INT",
        "INT4",
        "BIGINT",
        "INT8",
        "REAL",
        "FLOAT4",
        "FLOAT8",
        "BOOLEAN",
        "BOOL",
        "DATE",
        "TIMETZ",
        "TIMESTAMPTZ",
        "TEXT",
        "SUPER",
        "GEOMETRY",
        "GEOGRAPHY",
        "HLLSKETCH",
    }
)
_TYPE_ARGS: dict[str, tuple[int, bool]] = {  # type -> (max number of arguments, MAX allowed)
    "DECIMAL": (2, False),
    "NUMERIC": (2, False),
    "FLOAT": (1, False),
    "CHAR": (1, False),
    "CHARACTER": (1, False),
    "NCHAR": (1, False),
    "BPCHAR": (1, False),
    "VARCHAR": (1, True),
    "NVARCHAR": (1, True),
    "CHARACTER VARYING": (1, True),
    "CHAR VARYING": (1, True),
    "VARBYTE": (1, True),
    "VARBINARY": (1, True),
    "BINARY VARYING": (1, True),
}
_DIST_STYLES = ("ALL", "EVEN", "KEY", "AUTO")
_ENCODINGS = frozenset(
    {"RAW", "AZ64", "BYTEDICT", "DELTA", "DELTA32K", "LZO", "MOSTLY8", "MOSTLY16", "MOSTLY32",
     "RUNLENGTH", "TEXT255", "TEXT32K", "ZSTD"}
)  # fmt: skip
"""Redshift's column compression encodings (c_Compression_encodings)."""
_COLLATIONS = ("CASE_SENSITIVE", "CS", "CASE_INSENSITIVE", "CI")
_INTERVAL_UNITS: dict[str, tuple[str, ...]] = {  # leading field -> fields it may run TO
    "YEAR": ("MONTH",),
    "MONTH": (),
    "DAY": ("HOUR", "MINUTE", "SECOND"),
    "HOUR": ("MINUTE", "SECOND"),
    "MINUTE": ("SECOND",),
    "SECOND": (),
}


@dataclass(frozen=True)
class _Token:
    """One lexical token with its offsets and 1-based file position."""

    kind: str  # ws-free: comment, ident, string, number, word, op, end
    text: str
    start: int
    end: int
    line: int
    col: int

    @property
    def upper(self) -> str:
        """Upper-cased text for words (keywords); empty for anything else."""
        return self.text.upper() if self.kind == "word" else ""


_Ref = tuple[str, _Token]  # a column name and the token naming it


def _describe(tok: _Token) -> str:
    """How a token is shown after "found" in messages."""
    if tok.kind == "end" and not tok.text:
        return "end of file"
    text = tok.text if len(tok.text) <= 40 else tok.text[:37] + "..."
    return f"'{text}'"


def _error(message: str, tok: _Token, path: str) -> DefinitionError:
    return DefinitionError(message, Location(path, tok.line, tok.col))


def _tokens(sql: str, path: str) -> Iterator[_Token]:
    """Lex lazily (comments included, whitespace dropped), ending with an ``end`` token."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", sql)]

    def make(kind: str, start: int, end: int) -> _Token:
        line = bisect.bisect_right(line_starts, start)
        return _Token(kind, sql[start:end], start, end, line, start - line_starts[line - 1] + 1)

    pos = 0
    while (m := _TOKEN_RE.match(sql, pos)) is not None:
        kind, end = m.lastgroup or "op", m.end()
        if kind == "unterminated":
            raise _error(_UNTERMINATED[m.group()], make(kind, m.start(), end), path)
        if kind == "block":
            end = block_comment_end(sql, m.start())
            if end < 0:
                raise _error(_UNTERMINATED["/*"], make(kind, m.start(), m.end()), path)
            kind = "comment"
        if kind != "ws":
            yield make(kind, m.start(), end)
        pos = end
    yield make("end", len(sql), len(sql))


@dataclass
class _Statement:
    """The first statement's code tokens (ending with an ``end`` token) and its comments."""

    tokens: list[_Token] = field(default_factory=list)
    comments: list[_Token] = field(default_factory=list)


def _first_statement(sql: str, path: str) -> _Statement:
    """Collect tokens up to the first top-level ``;``, checking that parentheses balance."""
    stmt, opens = _Statement(), []
    for tok in _tokens(sql, path):
        if tok.kind == "comment":
            stmt.comments.append(tok)
            continue
        is_semicolon = tok.kind == "op" and tok.text == ";" and not opens
        if is_semicolon and not stmt.tokens:
            continue  # empty statement before the first real one
        if tok.kind == "end" or is_semicolon:
            if opens:
                raise _error(
                    "unbalanced parentheses: expected ')' to close this '(', found end of file",
                    opens[-1],
                    path,
                )
            stmt.tokens.append(replace(tok, kind="end"))
            return stmt
        if tok.kind == "op" and tok.text == "(":
            opens.append(tok)
        elif tok.kind == "op" and tok.text == ")":
            if not opens:
                raise _error(
                    "unbalanced parentheses: expected '(' before this ')', found none", tok, path
                )
            opens.pop()
        stmt.tokens.append(tok)
    raise AssertionError("unreachable: the lexer always ends with an end token")


def _without_comments(sql: str, start: int, end: int, comments: list[_Token]) -> str:
    """``sql[start:end]`` with comments removed (a space kept where one separated tokens)."""
    pieces, pos = [], start
    for c in comments:
        if start <= c.start < end:
            before, after = sql[pos : c.start], sql[c.end : c.end + 1]
            if not after or after.isspace():
                before = before.rstrip(" \t")
            elif before and not before[-1].isspace():
                before += " "
            pieces.append(before)
            pos = c.end
    pieces.append(sql[pos:end])
    return "".join(pieces).strip()


@dataclass
class _ColumnSpec:
    """A column while its definition is being read."""

    name: str
    token: _Token
    data_type: str
    nullable: bool = True
    default: str | None = None
    identity: tuple[int, int] | None = None
    identity_by_default: bool = False
    encoding: str | None = None
    references: tuple[str, str | None] | None = None
    null_clause: str | None = None
    """``NULL`` or ``NOT NULL`` when the column says one."""


@dataclass
class _Draft:
    """Everything read from the statement, before validation."""

    schema: str | None = None
    name: str = ""
    temporary: bool = False
    columns: list[_ColumnSpec] = field(default_factory=list)
    primary_key: list[_Ref] | None = None
    unique: list[_Ref] = field(default_factory=list)
    dist_style: tuple[str, _Token] | None = None
    dist_key: _Ref | None = None
    sort_keys: list[_Ref] = field(default_factory=list)
    sort_token: _Token | None = None
    interleaved: bool = False
    foreign_keys: list[tuple[list[_Ref], str, tuple[str, ...], _Token]] = field(
        default_factory=list
    )

    @property
    def full_name(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


class _Parser:
    """Recursive-descent parser over the first statement's tokens."""

    def __init__(self, sql: str, path: str) -> None:
        self.sql, self.path = sql, path
        self.stmt = _first_statement(sql, path)
        self.pos = 0
        self.draft = _Draft()
        self.column_attrs: dict[str, Callable[[_ColumnSpec, _Token], None]] = {
            "NOT": self._attr_not_null,
            "NULL": self._attr_null,
            "DEFAULT": self._attr_default,
            "IDENTITY": self._attr_identity,
            "GENERATED": self._attr_generated,
            "ENCODE": self._attr_encode,
            "DISTKEY": self._attr_distkey,
            "SORTKEY": self._attr_sortkey,
            "PRIMARY": self._attr_primary_key,
            "UNIQUE": self._attr_unique,
            "REFERENCES": self._attr_references,
            "COLLATE": self._attr_collate,
            "CONSTRAINT": self._attr_skip_name,
        }
        self.table_attrs: dict[str, Callable[[_Token], None]] = {
            "DISTSTYLE": self._tattr_diststyle,
            "DISTKEY": self._tattr_distkey,
            "SORTKEY": self._tattr_sortkey,
            "COMPOUND": self._tattr_sortkey,
            "INTERLEAVED": self._tattr_sortkey,
            "ENCODE": self._tattr_encode,
            "BACKUP": self._tattr_backup,
        }

    # -- token helpers -------------------------------------------------------------------

    def _peek(self) -> _Token:
        return self.stmt.tokens[self.pos]

    def _next(self) -> _Token:
        tok = self.stmt.tokens[self.pos]
        if tok.kind != "end":
            self.pos += 1
        return tok

    def _error(self, message: str, tok: _Token) -> DefinitionError:
        return _error(message, tok, self.path)

    def _at_op(self, *ops: str) -> bool:
        tok = self._peek()
        return tok.kind == "op" and tok.text in ops

    def _accept(self, *words: str) -> _Token | None:
        return self._next() if self._peek().upper in words else None

    def _accept_op(self, op: str) -> _Token | None:
        return self._next() if self._at_op(op) else None

    def _expect(self, word: str, context: str) -> _Token:
        if tok := self._accept(word):
            return tok
        raise self._error(
            f"expected {word} {context}, found {_describe(self._peek())}", self._peek()
        )

    def _expect_op(self, op: str, context: str) -> _Token:
        if tok := self._accept_op(op):
            return tok
        raise self._error(
            f"expected '{op}' {context}, found {_describe(self._peek())}", self._peek()
        )

    def _expect_one_of(self, words: tuple[str, ...], context: str) -> _Token:
        if tok := self._accept(*words):
            return tok
        raise self._error(
            f"expected {' or '.join(words)} {context}, found {_describe(self._peek())}",
            self._peek(),
        )

    def _identifier(self, what: str) -> _Ref:
        """An identifier: unquoted folded to lower case, quoted kept (quotes unescaped)."""
        tok = self._peek()
        if tok.kind == "word":
            return self._next().text.lower(), tok
        if tok.kind == "ident" and len(tok.text) > 2:
            quote = tok.text[0]
            return self._next().text[1:-1].replace(quote * 2, quote), tok
        found = "an empty quoted identifier" if tok.kind == "ident" else _describe(tok)
        raise self._error(f"expected {what}, found {found}", tok)

    def _qualified_name(self, what: str) -> tuple[str | None, str]:
        first, _ = self._identifier(what)
        if self._accept_op("."):
            return first, self._identifier(what)[0]
        return None, first

    def _column_list(self, context: str) -> list[_Ref]:
        """``( col [, col ...] )`` with no column named twice."""
        self._expect_op("(", f"before the column list of {context}")
        refs = [self._identifier(f"a column name in {context}")]
        while self._accept_op(","):
            refs.append(self._identifier(f"a column name in {context}"))
        self._expect_op(")", f"after the column list of {context}")
        seen: set[str] = set()
        for name, tok in refs:
            if name in seen:
                raise self._error(
                    f"expected distinct columns in {context}, found '{name}' twice", tok
                )
            seen.add(name)
        return refs

    def _signed_int(self, what: str) -> int:
        sign = self._accept_op("-") or self._accept_op("+")
        tok = self._peek()
        if tok.kind != "number" or not tok.text.isdigit():
            raise self._error(f"expected an integer {what}, found {_describe(tok)}", tok)
        value = int(self._next().text)
        return -value if sign and sign.text == "-" else value

    # -- statement -----------------------------------------------------------------------

    def parse(self) -> Table:
        """Read the whole statement and build the validated :class:`Table`."""
        self._create_table_header()
        self._expect_op("(", "after the table name")
        self._table_elements()
        while self._peek().kind != "end":
            self._table_attribute()
        return self._build()

    def _create_table_header(self) -> None:
        """``CREATE [LOCAL] [TEMP|TEMPORARY] TABLE [IF NOT EXISTS] [schema.]name``."""
        tok = self._peek()
        if tok.kind == "end" and not tok.text:
            raise self._error(
                "empty table definition: expected CREATE TABLE, found end of file", tok
            )
        if not self._accept("CREATE"):
            raise self._error(f"expected CREATE TABLE, found {_describe(tok)}", tok)
        if self._accept("LOCAL"):
            self._expect_one_of(("TEMP", "TEMPORARY"), "after CREATE LOCAL")
            self.draft.temporary = True
        elif self._accept("TEMP", "TEMPORARY"):
            self.draft.temporary = True
        tok = self._peek()
        if not self._accept("TABLE"):
            found = f"CREATE {tok.text.upper()}" if tok.kind == "word" else _describe(tok)
            raise self._error(f"expected CREATE TABLE, found {found}", tok)
        if self._accept("IF"):
            self._expect("NOT", "after IF")
            self._expect("EXISTS", "after IF NOT")
        self.draft.schema, self.draft.name = self._qualified_name("a table name")
        self.draft.temporary |= self.draft.name.startswith("#")

    def _table_elements(self) -> None:
        """Column definitions and table constraints, up to and including the closing ``)``."""
        while True:
            self._table_element()
            if self._accept_op(","):
                continue
            if self._accept_op(")"):
                return
            tok = self._peek()
            raise self._error(
                f"expected ',' or ')' after a column definition, found {_describe(tok)}", tok
            )

    def _table_element(self) -> None:
        tok = self._peek()
        if tok.upper in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN"):
            self._table_constraint()
        elif tok.upper == "LIKE":
            raise self._error(
                "expected a column definition, found CREATE TABLE ... (LIKE ...), "
                "which a table definition file cannot use",
                tok,
            )
        elif tok.kind in ("word", "ident"):
            self._column_definition()
        else:
            raise self._error(f"expected a column definition, found {_describe(tok)}", tok)

    # -- columns -------------------------------------------------------------------------

    def _column_definition(self) -> None:
        name, tok = self._identifier("a column name")
        for other in self.draft.columns:
            if other.name == name:
                raise self._error(
                    f"expected a new column name, found duplicate column '{name}' "
                    f"(first defined at line {other.token.line}, column "
                    f"{other.token.col})",
                    tok,
                )
        spec = _ColumnSpec(name, tok, self._data_type(name))
        self.draft.columns.append(spec)
        while not self._at_op(",", ")") and self._peek().kind != "end":
            attr = self._peek()
            handler = self.column_attrs.get(attr.upper)
            if handler is None:
                raise self._error(
                    "expected a column attribute (NOT NULL, NULL, DEFAULT, IDENTITY, ENCODE, "
                    "DISTKEY, SORTKEY, PRIMARY KEY, UNIQUE, REFERENCES) or ',' or ')' after "
                    f"column '{name}', found {_describe(attr)}",
                    attr,
                )
            handler(spec, self._next())

    def _data_type(self, column: str) -> str:
        """The column type, normalised to upper case with its arguments and no spaces."""
        tok = self._peek()
        if tok.kind != "word" or tok.upper in _COLUMN_ATTRS:
            raise self._error(
                f"column '{column}' has no type: expected a data type, found {_describe(tok)}", tok
            )
        word = self._next().upper
        if word in _PLAIN_TYPES:
            return word
        if word == "DOUBLE":
            self._expect("PRECISION", "after DOUBLE")
            return "DOUBLE PRECISION"
        if word in ("TIME", "TIMESTAMP"):
            return word + self._time_zone_suffix(word)
        if word == "INTERVAL":
            return self._interval_type()
        if word in ("CHAR", "CHARACTER", "BINARY") and self._accept("VARYING"):
            word += " VARYING"
        if word in _TYPE_ARGS:
            return word + self._type_args(word, *_TYPE_ARGS[word])
        raise self._error(
            f"expected a Redshift data type for column '{column}', found unknown type '{tok.text}'",
            tok,
        )

    def _interval_type(self) -> str:
        """``INTERVAL YEAR [TO MONTH] | MONTH | DAY|HOUR|MINUTE [TO ...] | SECOND [(p)]``."""
        first = self._expect_one_of(tuple(_INTERVAL_UNITS), "after INTERVAL").upper
        text, last = f"INTERVAL {first}", first
        if _INTERVAL_UNITS[first] and self._accept("TO"):
            last = self._expect_one_of(_INTERVAL_UNITS[first], f"after INTERVAL {first} TO").upper
            text += f" TO {last}"
        if last == "SECOND":
            text += self._type_args("INTERVAL", 1, False)
        return text

    def _time_zone_suffix(self, word: str) -> str:
        """``TZ`` for ``WITH TIME ZONE``, nothing for ``WITHOUT TIME ZONE`` or no clause."""
        with_tok = self._accept("WITH", "WITHOUT")
        if with_tok is None:
            return ""
        self._expect("TIME", f"after {word} {with_tok.upper}")
        self._expect("ZONE", f"after {word} {with_tok.upper} TIME")
        return "TZ" if with_tok.upper == "WITH" else ""

    def _type_args(self, word: str, max_args: int, allow_max: bool) -> str:
        """Optional ``(n[, m])`` after a type, as ``(n,m)``."""
        if not self._accept_op("("):
            return ""
        args = [self._type_arg(word, allow_max)]
        while len(args) < max_args and self._accept_op(","):
            args.append(self._type_arg(word, False))
        self._expect_op(")", f"to close the arguments of {word}")
        return "(" + ",".join(args) + ")"

    def _type_arg(self, word: str, allow_max: bool) -> str:
        tok = self._peek()
        if tok.kind == "number" and tok.text.isdigit():
            return self._next().text
        if allow_max and tok.upper == "MAX":
            self._next()
            return "MAX"
        wanted = "a number or MAX" if allow_max else "a number"
        raise self._error(
            f"expected {wanted} in the arguments of {word}, found {_describe(tok)}", tok
        )

    def _attr_not_null(self, spec: _ColumnSpec, tok: _Token) -> None:
        self._expect("NULL", "after NOT")
        self._null_clause(spec, "NOT NULL", tok)
        spec.nullable = False

    def _attr_null(self, spec: _ColumnSpec, tok: _Token) -> None:
        self._null_clause(spec, "NULL", tok)
        spec.nullable = True

    def _null_clause(self, spec: _ColumnSpec, clause: str, tok: _Token) -> None:
        if spec.null_clause is not None and spec.null_clause != clause:
            raise self._error(
                f"column '{spec.name}' is declared both {spec.null_clause} and {clause}", tok
            )
        spec.null_clause = clause

    def _attr_collate(self, spec: _ColumnSpec, tok: _Token) -> None:
        self._expect_one_of(_COLLATIONS, "after COLLATE")

    def _attr_default(self, spec: _ColumnSpec, tok: _Token) -> None:
        """``DEFAULT <expr>``: tokens up to ``,``/``)`` or the next column attribute."""
        first, last, depth = self._peek(), None, 0
        while (t := self._peek()).kind != "end":
            if depth == 0 and t.kind == "op" and t.text in (",", ")"):
                break
            if depth == 0 and t.upper in _COLUMN_ATTRS and (last or t.upper != "NULL"):
                break
            depth += (t.text == "(") - (t.text == ")") if t.kind == "op" else 0
            last = self._next()
        if last is None:
            raise self._error(
                f"expected an expression after DEFAULT, found {_describe(first)}", first
            )
        spec.default = _without_comments(self.sql, first.start, last.end, self.stmt.comments)

    def _attr_identity(self, spec: _ColumnSpec, tok: _Token) -> None:
        self._expect_op("(", "after IDENTITY")
        seed = self._signed_int("IDENTITY seed")
        self._expect_op(",", "between the IDENTITY seed and step")
        step = self._signed_int("IDENTITY step")
        self._expect_op(")", "after the IDENTITY step")
        spec.identity = (seed, step)

    def _attr_generated(self, spec: _ColumnSpec, tok: _Token) -> None:
        self._expect("BY", "after GENERATED")
        self._expect("DEFAULT", "after GENERATED BY")
        self._expect("AS", "after GENERATED BY DEFAULT")
        self._attr_identity(spec, self._expect("IDENTITY", "after GENERATED BY DEFAULT AS"))
        spec.identity_by_default = True

    def _attr_encode(self, spec: _ColumnSpec, tok: _Token) -> None:
        enc = self._peek()
        if enc.kind != "word":
            raise self._error(
                f"expected a compression encoding after ENCODE, found {_describe(enc)}", enc
            )
        if enc.upper not in _ENCODINGS:
            raise self._error(
                f"expected a Redshift compression encoding after ENCODE "
                f"({', '.join(sorted(_ENCODINGS))}), found '{enc.text}'",
                enc,
            )
        spec.encoding = self._next().upper

    def _attr_distkey(self, spec: _ColumnSpec, tok: _Token) -> None:
        self._set_dist_key((spec.name, spec.token), tok)

    def _attr_sortkey(self, spec: _ColumnSpec, tok: _Token) -> None:
        self.draft.sort_token = self.draft.sort_token or tok
        self.draft.sort_keys.append((spec.name, spec.token))

    def _attr_primary_key(self, spec: _ColumnSpec, tok: _Token) -> None:
        self._expect("KEY", "after PRIMARY")
        self._set_primary_key([(spec.name, spec.token)], tok)

    def _attr_unique(self, spec: _ColumnSpec, tok: _Token) -> None:
        self.draft.unique.append((spec.name, spec.token))

    def _attr_references(self, spec: _ColumnSpec, tok: _Token) -> None:
        table = self._referenced_table()
        ref_col = None
        if self._accept_op("("):
            ref_col = self._identifier("a referenced column name")[0]
            self._expect_op(")", "after the referenced column")
        spec.references = (table, ref_col)
        ref_cols = (ref_col,) if ref_col else ()
        self.draft.foreign_keys.append(([(spec.name, spec.token)], table, ref_cols, tok))

    def _attr_skip_name(self, spec: _ColumnSpec, tok: _Token) -> None:
        """``COLLATE name`` and ``CONSTRAINT name``: the name is read and ignored."""
        self._identifier(f"a name after {tok.upper}")

    # -- table constraints and attributes -------------------------------------------------

    def _table_constraint(self) -> None:
        """``[CONSTRAINT name] PRIMARY KEY (..) | UNIQUE (..) | FOREIGN KEY (..) REFERENCES``."""
        if self._accept("CONSTRAINT"):
            self._identifier("a constraint name after CONSTRAINT")
        tok = self._expect_one_of(("PRIMARY", "UNIQUE", "FOREIGN"), "as a table constraint")
        if tok.upper == "UNIQUE":
            self.draft.unique.extend(self._column_list("UNIQUE"))
            return
        self._expect("KEY", f"after {tok.upper}")
        if tok.upper == "PRIMARY":
            self._set_primary_key(self._column_list("PRIMARY KEY"), tok)
            return
        columns = self._column_list("FOREIGN KEY")
        ref_tok = self._expect("REFERENCES", "after the FOREIGN KEY columns")
        table = self._referenced_table()
        ref_cols: list[_Ref] = []
        if self._at_op("("):
            ref_cols = self._column_list("REFERENCES")
            if len(ref_cols) != len(columns):
                raise self._error(
                    f"expected {len(columns)} referenced column(s) to match the "
                    f"FOREIGN KEY, found {len(ref_cols)}",
                    ref_tok,
                )
        self.draft.foreign_keys.append((columns, table, tuple(n for n, _ in ref_cols), tok))

    def _referenced_table(self) -> str:
        schema, name = self._qualified_name("a referenced table name after REFERENCES")
        return f"{schema}.{name}" if schema else name

    def _table_attribute(self) -> None:
        tok = self._peek()
        handler = self.table_attrs.get(tok.upper)
        if handler is None:
            raise self._error(
                "expected a table attribute (DISTSTYLE, DISTKEY, SORTKEY, ENCODE, "
                f"BACKUP) or ';' after the column list, found {_describe(tok)}",
                tok,
            )
        handler(self._next())

    def _tattr_diststyle(self, tok: _Token) -> None:
        if self.draft.dist_style:
            raise self._error("expected one DISTSTYLE per table, found a second DISTSTYLE", tok)
        style = self._expect_one_of(_DIST_STYLES, "after DISTSTYLE")
        self.draft.dist_style = (style.upper, style)

    def _tattr_distkey(self, tok: _Token) -> None:
        self._expect_op("(", "after DISTKEY")
        ref = self._identifier("a column name in DISTKEY")
        self._expect_op(")", "after the DISTKEY column")
        self._set_dist_key(ref, tok)

    def _tattr_sortkey(self, tok: _Token) -> None:
        """``[COMPOUND|INTERLEAVED] SORTKEY (cols)`` or ``SORTKEY AUTO``."""
        if tok.upper != "SORTKEY":
            self._expect("SORTKEY", f"after {tok.upper}")
        if self.draft.sort_token is not None:
            raise self._error("expected one SORTKEY per table, found a second SORTKEY", tok)
        self.draft.sort_token = tok
        if tok.upper == "SORTKEY" and self._accept("AUTO"):
            return
        self.draft.interleaved = tok.upper == "INTERLEAVED"
        self.draft.sort_keys = self._column_list("SORTKEY")

    def _tattr_encode(self, tok: _Token) -> None:
        self._expect("AUTO", "after table-level ENCODE")

    def _tattr_backup(self, tok: _Token) -> None:
        self._expect_one_of(("YES", "NO"), "after BACKUP")

    def _set_primary_key(self, refs: list[_Ref], tok: _Token) -> None:
        if self.draft.primary_key is not None:
            raise self._error("expected one PRIMARY KEY per table, found a second PRIMARY KEY", tok)
        self.draft.primary_key = refs

    def _set_dist_key(self, ref: _Ref, tok: _Token) -> None:
        if self.draft.dist_key is not None:
            raise self._error("expected one DISTKEY per table, found a second DISTKEY", tok)
        self.draft.dist_key = ref

    # -- validation ----------------------------------------------------------------------

    def _check_columns_exist(self) -> None:
        """Every key column must be a column of the table."""
        names = {c.name for c in self.draft.columns}
        groups: list[tuple[str, list[_Ref]]] = [
            ("PRIMARY KEY", self.draft.primary_key or []),
            ("UNIQUE", self.draft.unique),
            ("DISTKEY", [self.draft.dist_key] if self.draft.dist_key else []),
            ("SORTKEY", self.draft.sort_keys),
        ]
        groups += [("FOREIGN KEY", cols) for cols, _, _, _ in self.draft.foreign_keys]
        for what, refs in groups:
            for name, tok in refs:
                if name not in names:
                    raise self._error(
                        f"expected a column of table '{self.draft.full_name}' in "
                        f"{what}, found unknown column '{name}'",
                        tok,
                    )

    def _dist_style(self) -> str | None:
        """DISTSTYLE, defaulting to KEY when a DISTKEY is given; the two must agree."""
        given, key = self.draft.dist_style, self.draft.dist_key
        if given is None:
            return "KEY" if key else None
        style, tok = given
        if key and style != "KEY":
            raise self._error(
                f"expected DISTSTYLE KEY with a DISTKEY, found DISTSTYLE {style}", tok
            )
        if style == "KEY" and not key:
            raise self._error("expected a DISTKEY column with DISTSTYLE KEY, found none", tok)
        return style

    def _primary_key(self) -> tuple[str, ...]:
        """The PRIMARY KEY, else (Dataduct rule) the UNIQUE columns in file order."""
        refs = self.draft.primary_key
        if refs is None:
            refs = self.draft.unique
        return tuple(dict.fromkeys(name for name, _ in refs))

    def _build(self) -> Table:
        d = self.draft
        self._check_columns_exist()
        primary_key = self._primary_key()
        columns = tuple(
            Column(
                name=c.name,
                data_type=c.data_type,
                position=i,
                nullable=c.nullable and c.name not in primary_key,
                default=c.default,
                identity=c.identity,
                identity_by_default=c.identity_by_default,
                encoding=c.encoding,
                references=c.references,
            )
            for i, c in enumerate(d.columns, start=1)
        )
        sort_style = None
        if d.sort_keys:
            sort_style = "INTERLEAVED" if d.interleaved else "COMPOUND"
        first, end = self.stmt.tokens[0], self.stmt.tokens[-1]
        last_end = self.stmt.tokens[-2].end if len(self.stmt.tokens) > 1 else end.start
        return Table(
            schema=d.schema,
            name=d.name,
            columns=columns,
            primary_key=primary_key,
            dist_style=self._dist_style(),
            dist_key=d.dist_key[0] if d.dist_key else None,
            sort_style=sort_style,
            sort_keys=tuple(n for n, _ in d.sort_keys),
            foreign_keys=tuple(
                ForeignKey(tuple(n for n, _ in cols), table, ref_cols)
                for cols, table, ref_cols, _ in d.foreign_keys
            ),
            temporary=d.temporary,
            source_path=self.path,
            source_sql=_without_comments(self.sql, first.start, last_end, self.stmt.comments),
        )


def parse_table_sql(sql: str, path: str = "<string>") -> Table:
    """Parse the first statement of ``sql``, a Redshift CREATE TABLE, into a :class:`Table`.

    Raises DefinitionError, located at the offending token's line and column in ``sql``.
    """
    return _Parser(sql, path).parse()


def parse_table_file(path: str | os.PathLike[str]) -> Table:
    """Read a UTF-8 ``tables/*.sql`` file and parse it with :func:`parse_table_sql`."""
    shown = os.fspath(path)
    file = Path(shown)
    if not file.is_file():
        raise DefinitionError("table definition file not found", Location(shown))
    try:
        sql = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DefinitionError(
            f"expected UTF-8 text, found undecodable bytes ({exc.reason} at byte {exc.start})",
            Location(shown),
        ) from exc
    return parse_table_sql(sql, shown)
