"""``airflow-dataduct``: set up a DAGs folder, check definitions without Airflow running."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.factory.loader import scan
from airflow_dataduct.model.pipeline import PIPELINE_SUFFIXES


def _validate_path(path: Path) -> tuple[int, list[DefinitionError]]:
    """(pipelines found valid, errors) for a definitions folder, a pipeline or a table file."""
    # deferred: CLI start-up time
    from airflow_dataduct.factory.definitions import open_definitions

    # deferred: CLI start-up time
    from airflow_dataduct.model.pipeline import read_pipeline

    # deferred: CLI start-up time
    from airflow_dataduct.tables.ddl import parse_table_file

    if path.is_dir():
        result = scan(path)
        return len(result.pipelines), result.errors
    if path.suffix not in (*PIPELINE_SUFFIXES, ".sql"):
        message = (
            f"not a definition file: the loader reads pipelines ending in "
            f"{' or '.join(PIPELINE_SUFFIXES)} and table files ending in .sql"
        )
        return 0, [DefinitionError(message, Location(str(path), 1, 1))]
    try:
        if path.suffix == ".sql":
            parse_table_file(path)
            return 0, []
        read_pipeline(path, open_definitions(path.parent))
        return 1, []
    except DefinitionErrors as exc:
        return 0, exc.errors
    except DefinitionError as exc:
        return 0, [exc]


def validate(paths: Sequence[str], output: str = "text") -> int:
    """Print every error as ``file:line:col: message`` (or JSON); 1 when there is one, else 0."""
    valid, errors = 0, []
    for raw in paths:
        path = Path(raw)
        count, found = _validate_path(path.parent if path.name == "dataduct.yaml" else path)
        valid += count
        errors.extend(found)
    if output == "json":
        # deferred: CLI start-up time
        from airflow_dataduct.cli.pipeline import errors_json

        print(errors_json(valid, DefinitionErrors(errors).errors))
        return 1 if errors else 0
    for error in DefinitionErrors(errors).errors:
        print(error)
    summary = f"{valid} pipeline(s) valid, {len(errors)} error(s)"
    print(summary, file=sys.stderr)
    return 1 if errors else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="airflow-dataduct", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="check pipeline, config and table definitions")
    check.add_argument(
        "paths",
        nargs="*",
        default=["dag_definitions"],
        help="definition folders, pipeline YAML or table .sql files (default: dag_definitions)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    # deferred: CLI start-up time
    from airflow_dataduct.cli.pipeline import (
        PIPELINE_COMMANDS,
        add_pipeline_parsers,
    )

    add_pipeline_parsers(commands)
    from airflow_dataduct.cli import database, init, migrate, schema  # deferred: CLI start-up time

    for command_module in (database, init, migrate, schema):
        command_module.add_parser(commands)
    args = parser.parse_args(argv)
    if args.command == "validate":
        return validate(args.paths, args.format)
    if args.command in PIPELINE_COMMANDS:
        return int(args.handler(args))
    if args.command in ("database", "init", "migrate-config", "schema"):
        return int(args.handler(args))
    return 2  # pragma: no cover - argparse enforces the choices


if __name__ == "__main__":
    sys.exit(main())
