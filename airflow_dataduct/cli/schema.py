"""``airflow-dataduct schema [--config] [--definitions DIR]``: the JSON Schema of a pipeline
file (or of ``dataduct.yaml``) for editors; ``schemas/`` in the repository holds the output."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from airflow_dataduct.errors import DefinitionErrors


def add_parser(commands: Any) -> None:
    """Register ``schema`` on the CLI's subcommands."""
    parser = commands.add_parser(
        "schema", help="print the JSON Schema of a pipeline file (or of dataduct.yaml)"
    )
    parser.add_argument("--config", action="store_true", help="the schema of dataduct.yaml")
    parser.add_argument(
        "--definitions",
        help="also accept the custom step types of this definitions folder's dataduct.yaml",
    )
    parser.set_defaults(handler=run)


def schema_text(schema: dict[str, Any]) -> str:
    """The schema as the shipped files hold it."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    # deferred: CLI start-up time
    from airflow_dataduct.model.schema import builtin_step_models, config_schema, pipeline_schema

    if args.config:
        sys.stdout.write(schema_text(config_schema()))
        return 0
    models = builtin_step_models()
    if args.definitions:
        from airflow_dataduct.factory.definitions import open_definitions  # deferred: start-up
        from airflow_dataduct.model.steps import STEP_MODELS  # deferred: CLI start-up time

        try:
            open_definitions(args.definitions)  # registers the folder's custom step types
        except DefinitionErrors as exc:
            print(exc, file=sys.stderr)
            return 1
        models = dict(STEP_MODELS)
    sys.stdout.write(schema_text(pipeline_schema(models)))
    return 0
