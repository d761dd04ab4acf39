"""A Redshift conformance check of SQL statements, built from Redshift's Database Developer Guide.

Every statement the tests send to a ``redshift``-typed connection goes through
:meth:`RedshiftConformance.check` (the recorder in ``tests/integration/redshift_recorder.py``
calls it), so SQL the PostgreSQL stand-in accepts but Redshift rejects fails the suite. A
statement conforms when:

* it parses with sqlglot's Redshift dialect (statements sqlglot only knows as an opaque
  ``Command`` must start with a Redshift command it cannot model, such as LOCK or UNLOAD; a
  CREATE TABLE must parse with the project's own Redshift DDL parser);
* it uses none of :data:`FORBIDDEN`, PostgreSQL constructs Redshift lacks;
* TRUNCATE and VACUUM (which commit on Redshift, r_TRUNCATE) are sent outside a transaction;
* every identifier named like a Redshift reserved word (r_pg_keywords) is double-quoted;
* an IDENTITY column is never set by INSERT, and is listed in a COPY only with EXPLICIT_IDS
  (copy-parameters-column-mapping, c_Examples_of_INSERT_30). IDENTITY columns are learnt from
  the CREATE TABLE statements checked, or registered with :meth:`RedshiftConformance.learn`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from airflow_dataduct.errors import DefinitionError
from airflow_dataduct.sql.identifiers import REDSHIFT_RESERVED
from airflow_dataduct.tables.ddl import parse_table_sql
from airflow_dataduct.tables.model import Table

FORBIDDEN: dict[str, re.Pattern[str]] = {
    "ON CONFLICT (no upsert clause on Redshift)": re.compile(r"\bON\s+CONFLICT\b", re.I),
    "DISTINCT ON": re.compile(r"\bDISTINCT\s+ON\s*\(", re.I),
    "IS [NOT] DISTINCT FROM": re.compile(r"\bIS\s+(NOT\s+)?DISTINCT\s+FROM\b", re.I),
    "generate_series over tables (leader-node only)": re.compile(
        r"\bgenerate_series\s*\(.*\bFROM\b|\bFROM\b.*\bgenerate_series\s*\(", re.I | re.S
    ),
    "::regclass": re.compile(r"::\s*regclass\b", re.I),
    "RETURNING": re.compile(r"\bRETURNING\b", re.I),
    "LOCK ... IN ... MODE (Redshift's LOCK takes no mode)": re.compile(
        r"^\s*LOCK\b.*\bIN\b.*\bMODE\b", re.I | re.S
    ),
    "pg_advisory_* locks": re.compile(r"\bpg_advisory_\w+\s*\(", re.I),
    "OVERRIDING ... VALUE": re.compile(r"\bOVERRIDING\s+(SYSTEM|USER)\s+VALUE\b", re.I),
    "GENERATED ALWAYS": re.compile(r"\bGENERATED\s+ALWAYS\b", re.I),
    "COPY ... FROM STDIN / TO STDOUT": re.compile(r"\b(FROM\s+STDIN|TO\s+STDOUT)\b", re.I),
    "ON COMMIT (temporary tables live for the session)": re.compile(r"\bON\s+COMMIT\b", re.I),
    "LATERAL": re.compile(r"\bLATERAL\b", re.I),
    "aggregate FILTER (WHERE ...)": re.compile(r"\bFILTER\s*\(\s*WHERE\b", re.I),
    "E'...' strings": re.compile(r"(?<![\w'])E'", re.I),
    "PREPARE / DEALLOCATE": re.compile(r"^\s*(PREPARE|DEALLOCATE)\b", re.I),
    "JSONB": re.compile(r"\bJSONB\b", re.I),
    "TRUNCATE ... CASCADE/RESTART": re.compile(r"^\s*TRUNCATE\b.*\b(CASCADE|RESTART)\b", re.I),
}
"""PostgreSQL constructs Redshift does not have (r_unsupported-postgresql-features and the
statement pages), matched outside string literals and quoted names."""

NOT_IN_TRANSACTION = re.compile(r"^\s*(TRUNCATE|VACUUM)\b", re.I)
"""Statements that commit the open transaction (r_TRUNCATE) or cannot run in one (r_VACUUM)."""

OPAQUE_COMMANDS = re.compile(r"^\s*(LOCK|UNLOAD|VACUUM|CREATE\s+(TEMP|TEMPORARY|TABLE))\b", re.I)
"""Redshift commands sqlglot parses only as an opaque Command."""

_QUOTED = re.compile(r"'(?:[^'\\]|''|\\.)*'|\"(?:[^\"]|\"\")*\"", re.S)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


class NonConformingSql(AssertionError):
    """A statement Redshift would reject or run differently."""


def _bare(sql: str) -> str:
    """``sql`` with comments removed and literals and quoted names emptied."""
    return _QUOTED.sub("''", _COMMENTS.sub(" ", sql))


@dataclass
class RedshiftConformance:
    """The checker, with what it has learnt of IDENTITY columns (table name -> columns)."""

    identity: dict[str, set[str]] = field(default_factory=dict)
    """Every IDENTITY column: COPY lists one only with EXPLICIT_IDS."""
    plain_identity: dict[str, set[str]] = field(default_factory=dict)
    """``IDENTITY(seed, step)`` columns: no INSERT may set one."""

    def learn(self, tables: Iterable[Table]) -> None:
        """Register the IDENTITY columns of ``tables`` (by table name, folded)."""
        for table in tables:
            name = table.name.lower()
            self.identity[name] = {c.name.lower() for c in table.columns if c.identity}
            self.plain_identity[name] = {c.name.lower() for c in table.columns if c.plain_identity}

    def problems(self, sql: str, in_transaction: bool = False) -> list[str]:
        """Why ``sql`` does not conform (empty when it does)."""
        bare = _bare(sql)
        found = [name for name, pattern in FORBIDDEN.items() if pattern.search(bare)]
        if in_transaction and (match := NOT_IN_TRANSACTION.match(bare)):
            found.append(f"{match.group(1).upper()} inside a transaction (it commits)")
        tree, parse_problem = self._parse(sql)
        if parse_problem:
            found.append(parse_problem)
        if tree is not None:
            found += self._reserved_unquoted(tree)
            found += self._identity_problems(tree, sql)
        return found

    def check(self, sql: str, in_transaction: bool = False) -> None:
        """Raise :class:`NonConformingSql` unless ``sql`` conforms."""
        problems = self.problems(sql, in_transaction)
        if problems:
            raise NonConformingSql(f"not Redshift SQL ({'; '.join(problems)}): {sql}")

    def _parse(self, sql: str) -> tuple[exp.Expression | None, str | None]:
        if re.match(r"^\s*CREATE\s+((LOCAL\s+)?(TEMP|TEMPORARY)\s+)?TABLE\b", sql, re.I):
            if re.search(r"\(\s*LIKE\b", sql, re.I):
                return None, None  # CREATE TEMP TABLE t (LIKE s): checked by the patterns
            try:
                table = parse_table_sql(sql + ";")
            except DefinitionError as exc:
                return None, f"not a Redshift CREATE TABLE: {exc.message}"
            self.learn([table])
            return None, self._reserved_in_table(sql)
        try:
            tree = sqlglot.parse_one(sql, read="redshift")
        except (ParseError, TokenError) as exc:
            return None, f"does not parse as Redshift SQL: {str(exc).splitlines()[0]}"
        if isinstance(tree, exp.Command) and not OPAQUE_COMMANDS.match(sql):
            return None, "sqlglot knows no such Redshift statement"
        return tree, None

    @staticmethod
    def _reserved_in_table(sql: str) -> str | None:
        """Column names of a CREATE TABLE: reserved words must be quoted."""
        body = _bare(sql)
        names = re.findall(r"[(,]\s*([A-Za-z_][A-Za-z0-9_$]*)\s+[A-Za-z]", body)
        bad = sorted(
            {
                n
                for n in names
                if n.lower() in REDSHIFT_RESERVED and n.lower() not in _TABLE_KEYWORDS
            }
        )
        return f"reserved words not quoted: {', '.join(bad)}" if bad else None

    @staticmethod
    def _reserved_unquoted(tree: exp.Expression) -> list[str]:
        bad = sorted(
            {
                i.name
                for i in tree.find_all(exp.Identifier)
                if not i.quoted and i.name.lower() in REDSHIFT_RESERVED
            }
        )
        return [f"reserved words not quoted: {', '.join(bad)}"] if bad else []

    def _identity_problems(self, tree: exp.Expression, sql: str) -> list[str]:
        if isinstance(tree, exp.Copy):
            target, explicit = tree.this, re.search(r"\bEXPLICIT_IDS\b", _bare(sql), re.I)
        elif isinstance(tree, exp.Insert):
            target, explicit = tree.this, None
        else:
            return []
        if not isinstance(target, exp.Schema):
            return []
        table = target.this.name.lower() if isinstance(target.this, exp.Table) else ""
        listed = {c.name.lower() for c in target.expressions}
        known = self.identity if isinstance(tree, exp.Copy) else self.plain_identity
        hit = sorted(listed & known.get(table, set()))
        if not hit or explicit:
            return []
        verb = "COPY without EXPLICIT_IDS" if isinstance(tree, exp.Copy) else "INSERT"
        return [f"{verb} lists IDENTITY column(s) {', '.join(hit)} of {table}"]


_TABLE_KEYWORDS = {"primary", "unique", "foreign", "constraint", "check"}
"""Words that start a table constraint, not a column."""


def checked_pipeline_sql(pipeline: str, definitions: str) -> list[str]:
    """Every statement a pipeline's warehouse tasks render for Redshift, each passed through
    :class:`RedshiftConformance` (which raises on the first that does not conform)."""
    # deferred: the DAG build loads Airflow; the checker itself does not need it
    from airflow_dataduct.cli.pipeline import load_pipeline_dag, ordered_tasks, rendered_fields
    from airflow_dataduct.operators.base import WarehouseOperator
    from airflow_dataduct.sql.identifiers import Dialect
    from airflow_dataduct.sql.script import split_statements

    _, dag = load_pipeline_dag(pipeline, definitions)
    checker = RedshiftConformance()
    checked = []
    for task in ordered_tasks(dag):
        if not isinstance(task, WarehouseOperator):
            continue
        fields = rendered_fields(dag, task, Dialect.REDSHIFT.value, None)
        for field_name, renderer in task.template_fields_renderers.items():
            value = fields.get(field_name) or []
            for text in value if isinstance(value, list) else [value]:
                for sql in split_statements(text) if renderer == "sql" else []:
                    checker.check(sql)
                    checked.append(sql)
    return checked
