"""Cassandra ``CREATE TABLE`` files (``cassandra_tables/*.cql``): a small parser and model.

Aegisthus needs the keyspace and table (they locate the Cassandra backup) and the schema
itself (passed to the job). Written by hand: no maintained Python CQL DDL parser exists, and
sqlglot has no CQL dialect. Errors name the file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from airflow_dataduct.errors import DefinitionError, Location

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>(--|//)[^\n]*|/\*.*?\*/)
  | (?P<quoted>"(?:[^"]|"")*")
  | (?P<string>'(?:[^']|'')*')
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>-?\d+(\.\d+)?)
  | (?P<punct>[(),.;<>=:{}\[\]])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int
    column: int

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    @property
    def name(self) -> str:
        """An identifier: quoted ones keep their case, unquoted ones are lower-cased (CQL)."""
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


@dataclass(frozen=True)
class CqlColumn:
    """One column: its name, CQL type (normalised text) and whether it is STATIC."""

    name: str
    type: str
    static: bool = False


@dataclass(frozen=True)
class CqlTable:
    """A parsed ``CREATE TABLE``: the keyspace, table, columns and primary key."""

    keyspace: str
    name: str
    columns: tuple[CqlColumn, ...]
    partition_key: tuple[str, ...]
    clustering: tuple[tuple[str, str], ...] = ()
    """Clustering columns with their order, ``ASC`` or ``DESC``."""
    options: str = ""
    """The ``WITH ...`` clause as written (whitespace collapsed)."""
    source_path: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.keyspace}.{self.name}"

    def schema_sql(self) -> str:
        """The table as one normalised CQL statement (what Aegisthus is given)."""
        columns = [
            f"{_quote(c.name)} {c.type}{' STATIC' if c.static else ''}" for c in self.columns
        ]
        partition = ", ".join(_quote(c) for c in self.partition_key)
        key = ", ".join([f"({partition})", *(_quote(c) for c, _ in self.clustering)])
        body = ", ".join([*columns, f"PRIMARY KEY ({key})"])
        sql = f"CREATE TABLE {_quote(self.keyspace)}.{_quote(self.name)} ({body})"
        if self.clustering:
            order = ", ".join(f"{_quote(c)} {o}" for c, o in self.clustering)
            sql += f" WITH CLUSTERING ORDER BY ({order})"
        return sql + ";"


def _quote(name: str) -> str:
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


class _Parser:
    """Recursive descent over the tokens of one statement."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.tokens = list(self._tokenize(text))
        self.pos = 0

    def _tokenize(self, text: str) -> list[_Token]:
        tokens, pos, line, line_start = [], 0, 1, 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                raise self._error(f"unexpected character {text[pos]!r}", line, pos - line_start + 1)
            kind = match.lastgroup or ""
            if kind not in ("space", "comment"):
                tokens.append(_Token(kind, match.group(), line, pos - line_start + 1))
            newlines = match.group().count("\n")
            if newlines:
                line += newlines
                line_start = match.start() + match.group().rindex("\n") + 1
            pos = match.end()
        tokens.append(_Token("end", "", line, pos - line_start + 1))
        return tokens

    def _error(self, message: str, line: int, column: int) -> DefinitionError:
        return DefinitionError(message, Location(self.path, line, column))

    def fail(self, message: str, token: _Token | None = None) -> DefinitionError:
        token = token or self.peek()
        return self._error(message, token.line, token.column)

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def next(self) -> _Token:
        token = self.peek()
        self.pos += 1
        return token

    def accept(self, *words: str) -> bool:
        """Consume ``words`` if they come next (case-insensitive)."""
        if all(self.peek(i).upper == w for i, w in enumerate(words)):
            self.pos += len(words)
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.accept(*words):
            found = self.peek().text or "the end of the file"
            raise self.fail(f"expected {' '.join(words)}, found {found!r}")

    def identifier(self, what: str) -> _Token:
        token = self.peek()
        if token.kind not in ("word", "quoted"):
            raise self.fail(f"expected {what}, found {token.text or 'the end of the file'!r}")
        return self.next()

    def type_text(self) -> str:
        """A CQL type, including parameterised ones (``map<text, frozen<list<int>>>``)."""
        base = self.identifier("a column type")
        text = base.text.lower() if base.kind == "word" else base.text
        if self.accept("<"):
            args = [self.type_text()]
            while self.accept(","):
                args.append(self.type_text())
            self.expect(">")
            text += f"<{', '.join(args)}>"
        return text

    def table(self) -> CqlTable:
        self.expect("CREATE")
        if not (self.accept("TABLE") or self.accept("COLUMNFAMILY")):
            raise self.fail("expected CREATE TABLE")
        self.accept("IF", "NOT", "EXISTS")
        first = self.identifier("a keyspace-qualified table name")
        if not self.accept("."):
            raise self.fail(
                f"table name {first.text!r} must be qualified by its keyspace "
                "(keyspace.table): the keyspace locates the Cassandra backup",
                first,
            )
        name = self.identifier("a table name")
        self.expect("(")
        columns, key, key_token = self._body()
        table = self._with_key(first.name, name.name, columns, key, key_token)
        options = self._options(table)
        self.accept(";")
        if self.peek().kind != "end":
            raise self.fail("only one CREATE TABLE statement is allowed per file")
        return CqlTable(
            table.keyspace,
            table.name,
            table.columns,
            table.partition_key,
            options[0],
            options[1],
            self.path,
        )

    def _body(self) -> tuple[list[tuple[CqlColumn, _Token]], tuple | None, _Token | None]:
        columns: list[tuple[CqlColumn, _Token]] = []
        key: tuple | None = None
        key_token: _Token | None = None
        while True:
            token = self.peek()
            if self.accept("PRIMARY", "KEY"):
                if key is not None:
                    raise self.fail("the primary key is declared twice", token)
                key, key_token = self._key_clause(), token
            else:
                ident = self.identifier("a column definition")
                column_type = self.type_text()
                static = self.accept("STATIC")
                if self.accept("PRIMARY", "KEY"):
                    if key is not None:
                        raise self.fail("the primary key is declared twice", ident)
                    key, key_token = ((ident.name,), ()), ident
                columns.append((CqlColumn(ident.name, column_type, static), ident))
            if self.accept(")"):
                return columns, key, key_token
            self.expect(",")

    def _key_clause(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        self.expect("(")
        if self.accept("("):
            partition = [self.identifier("a partition key column").name]
            while self.accept(","):
                partition.append(self.identifier("a partition key column").name)
            self.expect(")")
        else:
            partition = [self.identifier("a primary key column").name]
        clustering = []
        while self.accept(","):
            clustering.append(self.identifier("a clustering column").name)
        self.expect(")")
        return tuple(partition), tuple(clustering)

    def _with_key(
        self,
        keyspace: str,
        name: str,
        columns: list[tuple[CqlColumn, _Token]],
        key: tuple | None,
        key_token: _Token | None,
    ) -> CqlTable:
        seen: dict[str, _Token] = {}
        for column, token in columns:
            if column.name in seen:
                raise self.fail(f"column {column.name!r} is defined twice", token)
            seen[column.name] = token
        if not columns:
            raise self.fail("a table needs at least one column")
        if key is None:
            raise self.fail(f"table {keyspace}.{name} has no PRIMARY KEY")
        partition, clustering = key
        for column in (*partition, *clustering):
            if column not in seen:
                raise self.fail(f"primary key column {column!r} is not a column", key_token)
        return CqlTable(
            keyspace,
            name,
            tuple(c for c, _ in columns),
            partition,
            tuple((c, "ASC") for c in clustering),
        )

    def _options(self, table: CqlTable) -> tuple[tuple[tuple[str, str], ...], str]:
        """``WITH CLUSTERING ORDER BY (...) AND ...``: clustering orders, and the raw options."""
        clustering = dict(table.clustering)
        if not self.accept("WITH"):
            return table.clustering, ""
        start = self.pos
        while True:
            if self.accept("CLUSTERING", "ORDER", "BY"):
                self._clustering_order(clustering)
            elif self.accept("COMPACT", "STORAGE"):
                pass
            else:
                self.identifier("a table option")
                while self.accept("."):
                    self.identifier("a table option")
                self.expect("=")
                self._option_value()
            if not self.accept("AND"):
                break
        raw = " ".join(t.text for t in self.tokens[start : self.pos])
        return tuple(clustering.items()), raw

    def _clustering_order(self, clustering: dict[str, str]) -> None:
        self.expect("(")
        while True:
            token = self.identifier("a clustering column")
            if token.name not in clustering:
                raise self.fail(f"{token.name!r} is not a clustering column", token)
            order = self.next()
            if order.upper not in ("ASC", "DESC"):
                raise self.fail("expected ASC or DESC", order)
            clustering[token.name] = order.upper
            if self.accept(")"):
                return
            self.expect(",")

    def _option_value(self) -> None:
        """A literal, or a ``{...}`` map of literals (skipped: kept in the raw options)."""
        token = self.next()
        if token.text == "{":
            depth = 1
            while depth:
                inner = self.next()
                if inner.kind == "end":
                    raise self.fail("unclosed '{' in the table options", token)
                depth += {"{": 1, "}": -1}.get(inner.text, 0)
        elif token.kind not in ("string", "number", "word", "quoted"):
            raise self.fail(f"expected an option value, found {token.text!r}", token)


def parse_cql_table(text: str, path: str = "<cql>") -> CqlTable:
    """Parse one Cassandra ``CREATE TABLE`` statement; DefinitionError names line and column."""
    return _Parser(text, path).table()


def parse_cql_file(path: str | Path) -> CqlTable:
    """Read and parse a ``.cql`` file (FileNotFoundError when missing)."""
    text = Path(path).read_text(encoding="utf-8")
    return parse_cql_table(text, str(path))
