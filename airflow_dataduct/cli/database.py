"""``airflow-dataduct database create|drop|grant|recreate|graph``: Dataduct's database
commands (``graph``: Dataduct's ``database visualize``, an ER diagram of the tables).

The table files are parsed, ordered so that every table comes after the tables its foreign
keys reference (a cycle is an error), and the script is printed, or with ``--execute`` run
against the warehouse connection in one transaction (all or nothing).
"""

from __future__ import annotations

import argparse
import graphlib
import re
import sys
from collections.abc import Sequence
from typing import Any

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.sql.ddl import create_schema_sql, create_table_sql, drop_table_sql, grant_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.tables.model import Table

ACTIONS = ("create", "drop", "grant", "recreate", "graph")


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


def _mermaid_word(text: str) -> str:
    """A Mermaid ER name or type: letters, digits, ``_``, ``-`` and parentheses only."""
    return re.sub(r"[^A-Za-z0-9_()\-]", "_", text.replace(",", "-").replace(" ", "_"))


def _key_marks(table: Table, column: str) -> list[str]:
    foreign = {c for fk in table.foreign_keys for c in fk.columns}
    return [m for m, on in (("PK", column in table.primary_key), ("FK", column in foreign)) if on]


def _referenced(tables: Sequence[Table]) -> tuple[dict[str, Table], list[tuple[Table, Any, str]]]:
    """Tables by lower-cased name, and each foreign key with the name of the table it names."""
    by_name: dict[str, Table] = {}
    for table in tables:
        by_name.setdefault(table.full_name.lower(), table)
        by_name.setdefault(table.name.lower(), table)
    keys = []
    for table in tables:
        for fk in table.foreign_keys:
            target = by_name.get(fk.table.lower())
            keys.append((table, fk, target.full_name if target else fk.table))
    return by_name, keys


def er_mermaid(tables: Sequence[Table]) -> str:
    """A Mermaid ``erDiagram``: columns with types and PK/FK marks, one line per foreign key."""
    lines = ["erDiagram"]
    _, keys = _referenced(tables)
    for table in tables:
        entity = _mermaid_word(table.full_name)
        alias = f'["{table.full_name}"]' if entity != table.full_name else ""
        lines.append(f"    {entity}{alias} {{")
        for column in table.columns:
            marks = ",".join(_key_marks(table, column.name))
            name = _mermaid_word(column.name)
            lines.append(f"        {_mermaid_word(column.data_type)} {name} {marks}".rstrip())
        lines.append("    }")
    for table, fk, target in keys:
        label = ", ".join(fk.columns)
        child, parent = _mermaid_word(table.full_name), _mermaid_word(target)
        lines.append(f'    {child} }}o--|| {parent} : "{label}"')
    return "\n".join(lines)


def er_dot(tables: Sequence[Table]) -> Any:
    """The ER diagram as a graphviz Digraph: one table per node, an edge per foreign key;
    tables referenced but not given are dashed."""
    import html  # deferred: CLI start-up time

    import graphviz  # deferred: CLI start-up time

    graph = graphviz.Digraph(
        name="tables",
        graph_attr={"rankdir": "LR", "fontname": "Helvetica"},
        node_attr={"shape": "plaintext", "fontname": "Helvetica"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10"},
    )
    given = {t.full_name for t in tables}
    _, keys = _referenced(tables)
    for table in tables:
        title = f"<b>{html.escape(table.full_name)}</b>"
        rows = [f'<tr><td colspan="3" bgcolor="lightgrey">{title}</td></tr>']
        for column in table.columns:
            marks = " ".join(_key_marks(table, column.name))
            cells = (column.name, column.data_type, marks)
            rows.append(
                "<tr>" + "".join(f'<td align="left">{html.escape(c)}</td>' for c in cells) + "</tr>"
            )
        body = "".join(rows)
        label = f'<<table border="0" cellborder="1" cellspacing="0">{body}</table>>'
        graph.node(table.full_name, label=label)
    for target in dict.fromkeys(t for _, _, t in keys if t not in given):
        graph.node(target, label=target, shape="box", style="dashed")
    for table, fk, target in keys:
        graph.edge(table.full_name, target, label=", ".join(fk.columns))
    return graph


def _read_tables(paths: Sequence[str]) -> list[Table]:
    # deferred: CLI start-up time
    from airflow_dataduct.tables.ddl import parse_table_file

    tables, errors = [], []
    defined: dict[str, str] = {}
    for path in paths:
        try:
            table = parse_table_file(path)
            key = table.full_name.lower()
            if key in defined:
                message = f"table {table.full_name} is also defined in {defined[key]}"
                raise DefinitionError(message, Location(path, 1, 1))
            defined[key] = path
            tables.append(table)
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
        "database",
        help="print or run create/drop/grant scripts for table files, or draw their ER diagram",
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
        "--format",
        choices=("mermaid", "svg"),
        default="mermaid",
        help="graph: Mermaid erDiagram text or an SVG drawn by Graphviz",
    )
    parser.add_argument(
        "--definitions",
        default="dag_definitions",
        help="folder whose dataduct.yaml names the warehouse and permissions",
    )
    parser.set_defaults(handler=run)


def graph(args: argparse.Namespace) -> int:
    """Print the tables' ER diagram (Mermaid or SVG); 1 on any error."""
    try:
        tables = _read_tables(args.tables)
        if args.format == "svg":
            from airflow_dataduct.cli.pipeline import svg  # deferred: CLI start-up time

            print(svg(er_dot(tables)), end="")
        else:
            print(er_mermaid(tables))
    except (DefinitionErrors, DefinitionError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def run(args: argparse.Namespace) -> int:
    """Print the script, or run it in one transaction; 1 on any error."""
    # deferred: CLI start-up time
    from airflow_dataduct.factory.definitions import open_definitions

    if args.action == "graph":
        return graph(args)
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
    # deferred: CLI start-up time
    from airflow_dataduct.connections.warehouse import Warehouse

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
