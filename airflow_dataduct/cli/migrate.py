"""``airflow-dataduct migrate-config <dataduct.cfg> [--out DIR]``: Dataduct's shared config as
``dataduct.yaml`` plus a connections file for ``airflow connections import``.

The connections file holds the passwords: it is written owner-only (0600) and never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from airflow_dataduct.errors import DefinitionError, DefinitionErrors
from airflow_dataduct.model.config import CONFIG_FILE_NAME, load_config
from airflow_dataduct.model.migration import Migration, migrate
from airflow_dataduct.model.yaml_source import load_yaml_file

CONNECTIONS_FILE = "dataduct-connections.json"


def add_parser(commands: Any) -> None:
    """Register ``migrate-config`` on the CLI's subcommands."""
    parser = commands.add_parser(
        "migrate-config",
        help="write dataduct.yaml and an Airflow connections file from a dataduct.cfg",
    )
    parser.add_argument("cfg", help="Dataduct's config file (e.g. ~/.dataduct/dataduct.cfg)")
    parser.add_argument("--out", default=".", help="folder to write both files to (default: .)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(handler=run)


def header(source: str, migration: Migration) -> str:
    """The comment at the top of ``dataduct.yaml``: what was not carried over, and why."""
    lines = [
        f"# Migrated from Dataduct's {source} by `airflow-dataduct migrate-config`.",
        f"# No secret is here: credentials are in {CONNECTIONS_FILE}, for",
        f"# `airflow connections import {CONNECTIONS_FILE}` (then delete that file).",
    ]
    if migration.dropped:
        lines += ["#", "# Not carried over (no meaning on Airflow):"]
        lines += [f"#   {key}: {why}" for key, why in migration.dropped]
    if migration.todo:
        lines += ["#", "# To finish by hand:"]
        lines += [f"#   {item}" for item in migration.todo]
    return "\n".join(lines) + "\n\n"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only, even if the file existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)


def run(args: argparse.Namespace) -> int:
    """Write both files, then validate ``dataduct.yaml``; 1 on any problem."""
    out = Path(args.out)
    config_path, connections_path = out / CONFIG_FILE_NAME, out / CONNECTIONS_FILE
    existing = [p for p in (config_path, connections_path) if p.exists()]
    if existing and not args.force:
        print(f"error: {existing[0]} exists; use --force to overwrite", file=sys.stderr)
        return 1
    try:
        cfg, _ = load_yaml_file(args.cfg)
    except DefinitionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not isinstance(cfg, dict):
        print(f"error: {args.cfg}: expected a mapping of sections", file=sys.stderr)
        return 1
    migration = migrate(cfg)
    out.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(migration.config, sort_keys=False, default_flow_style=False)
    config_path.write_text(header(Path(args.cfg).name, migration) + text, encoding="utf-8")
    write_private(connections_path, json.dumps(migration.connections, indent=2) + "\n")
    print(f"wrote {config_path}")
    print(f"wrote {connections_path} (mode 0600; keep it out of version control)")
    for conn_id, connection in migration.connections.items():
        print(f"  connection {conn_id} ({connection['conn_type']})")
    for item in migration.todo:
        print(f"to do: {item}")
    try:
        load_config(config_path, mode="")
    except DefinitionErrors as exc:
        print(f"error: the written config does not validate:\n{exc}", file=sys.stderr)
        return 1
    return 0
