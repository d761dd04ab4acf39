"""``airflow-dataduct database create|drop|grant|recreate``: Dataduct's database commands.

The table files are parsed, ordered so that every table comes after the tables its foreign
keys reference (a cycle is an error), and the script is printed, or with ``--execute`` run
against the warehouse connection in one transaction (all or nothing).
"""

from __future__ import annotations

import argparse
import graphlib
import sys
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.sql.ddl import create_schema_sql, create_table_sql, drop_table_sql, grant_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.tables.model import Table

ACTIONS = ("create", "drop", "grant", "recreate")


def references(table: Table) -> set[str]:
    """Names of the tables ``table`` references (foreign keys and column REFERENCES)."""
    names = {fk.table for fk in table.foreign_keys}
    names |= {c.references[0] for c in table.columns if c.references}
    return {n.lower() for n in names}


def dependency_order(tables: Sequence[Table]) -> list[Table]:
    """``tables`` with each one after the tables it references; others keep their order.

    A reference to a table outside the set is ignored; one cycle raises ValueError.
    """
    by_name: dict[str, Table] = {}
    for table in tables:
        by_name.setdefault(table.full_name.lower(), table)
        by_name.setdefault(table.name.lower(), table)
    graph: dict[str, list[str]] = {}
    for table in tables:
        deps = {by_name[r].full_name for r in references(table) if r in by_name}
        deps.discard(table.full_name)
        graph[table.full_name] = sorted(deps, key=[t.full_name for t in tables].index)
    sorter = graphlib.TopologicalSorter(graph)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        raise ValueError(f"foreign keys form a cycle: {' -> '.join(exc.args[1])}") from None
    order: list[str] = []
    position = {t.full_name: i for i, t in enumerate(tables)}
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=position.__getitem__)
        order += ready
        sorter.done(*ready)
    named = {t.full_name: t for t in tables}
    return [named[n] for n in order]


def database_script(
    action: str, tables: Sequence[Table], dialect: Dialect, permissions: Sequence[Any] = ()
) -> list[str]:
    """The statements of one action, in foreign-key order (drops in reverse)."""
    ordered = dependency_order(tables)
    statements: list[str] = []
    if action in ("create", "recreate"):
        schemas = dict.fromkeys(s for s in map(create_schema_sql, ordered) if s)
        statements += schemas
    if action == "drop":
        return [drop_table_sql(t) for t in reversed(ordered)]
    for table in ordered:
        if action == "recreate":
            statements.append(drop_table_sql(table))
        if action in ("create", "recreate"):
            statements.append(create_table_sql(table, dialect))
        if action in ("create", "recreate", "grant"):
            statements += grant_sql(table, permissions)
    return statements


def _read_tables(paths: Sequence[str]) -> list[Table]:
    from airflow_dataduct.tables.ddl import (
        parse_table_file,  # deferred: CLI start-up time
    )

    tables, errors = [], []
    for path in paths:
        try:
            tables.append(parse_table_file(path))
        except DefinitionErrors as exc:
            errors += exc.errors
        except DefinitionError as exc:
            errors.append(exc)
        except OSError as exc:
            errors.append(DefinitionError(f"cannot read file: {exc}", Location(path)))
    if errors:
        raise DefinitionErrors(errors)
    return tables


def add_parser(commands: Any) -> None:
    """Register ``database`` on the CLI's subcommands."""
    parser = commands.add_parser(
        "database", help="print or run create/drop/grant scripts for table files"
    )
    parser.add_argument("action", choices=ACTIONS)
    parser.add_argument("tables", nargs="+", help="table definition .sql files")
    parser.add_argument(
        "-e", "--execute", action="store_true", help="run against the warehouse connection"
    )
    parser.add_argument(
        "--dialect",
        choices=[d.value for d in Dialect],
        help="SQL dialect to print (default: redshift; with --execute, the connection's)",
    )
    parser.add_argument(
        "--definitions",
        default="dag_definitions",
        help="folder whose dataduct.yaml names the warehouse and permissions",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the script, or run it in one transaction; 1 on any error."""
    from airflow_dataduct.factory.definitions import (
        open_definitions,  # deferred: CLI start-up time
    )

    try:
        config = open_definitions(args.definitions)
        tables = _read_tables(args.tables)
        permissions = config.database.permissions
        if not args.execute:
            dialect = Dialect(args.dialect or Dialect.REDSHIFT.value)
            for sql in database_script(args.action, tables, dialect, permissions):
                print(f"{sql};")
            return 0
        return _execute(args, config, tables)
    except (DefinitionErrors, DefinitionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _execute(args: argparse.Namespace, config: Any, tables: list[Table]) -> int:
    from airflow_dataduct.connections.warehouse import (
        Warehouse,  # deferred: CLI start-up time
    )

    warehouse = Warehouse(config.warehouse.conn_id, config.warehouse.search_path)
    if args.dialect and Dialect(args.dialect) is not warehouse.dialect:
        raise ValueError(
            f"--dialect {args.dialect} but connection '{warehouse.conn_id}' is "
            f"{warehouse.dialect.value}"
        )
    statements = database_script(
        args.action, tables, warehouse.dialect, config.database.permissions
    )
    try:
        warehouse.run_statements(statements)
    except Exception as exc:
        print(f"error: nothing changed, {args.action} failed: {exc}", file=sys.stderr)
        return 1
    print(f"{args.action}: {len(statements)} statement(s) committed on {warehouse.conn_id}")
    return 0


__all__ = ["ACTIONS", "add_parser", "database_script", "dependency_order", "run"]
