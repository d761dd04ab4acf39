"""``airflow-dataduct init [DIR]``: make an Airflow DAGs folder run Dataduct pipelines.

It writes the two loader files, a commented ``dataduct.yaml`` and a starter pipeline with its
table and data files (``dag_definitions/``), from templates shipped in the package. An
existing file is reported and left alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

TEMPLATES = ("airflow_dataduct.cli", "init-templates")
"""(package, folder): a folder name that is no Python package name, so it stays data."""
EXISTS = 1


def template_files() -> Iterator[tuple[PurePosixPath, Traversable]]:
    """(path relative to the DAGs folder, template) for every file ``init`` writes."""
    package, folder = TEMPLATES
    root = resources.files(package).joinpath(folder)
    yield from _walk(root, PurePosixPath())


def _walk(
    node: Traversable, relative: PurePosixPath
) -> Iterator[tuple[PurePosixPath, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            yield from _walk(child, relative / child.name)
        else:
            yield relative / child.name, child


def init_folder(dags_folder: Path) -> tuple[list[Path], list[Path]]:
    """Write the templates under ``dags_folder``; (written, existing and left alone)."""
    written, existing = [], []
    for relative, template in template_files():
        target = dags_folder.joinpath(*relative.parts)
        if target.exists() or target.is_symlink():
            existing.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as handle:  # "x": never replace a file created meanwhile
            handle.write(template.read_bytes())
        written.append(target)
    return written, existing


def init_command(args: argparse.Namespace) -> int:
    """0 when every file was written, 1 when some existed (they are left unchanged)."""
    folder = Path(args.dags_folder)
    written, existing = init_folder(folder)
    for path in written:
        print(f"wrote {path}")
    for path in existing:
        print(f"{path} exists; left unchanged")
    if written:
        print(
            f"Point Airflow's DAGs folder at {folder} (or copy it there), create the "
            "connection 'dataduct_warehouse', then: airflow dags test dataduct_starter"
        )
    return EXISTS if existing else 0


def add_parser(commands: Any) -> None:
    """Register ``init`` on the CLI's subparsers."""
    init = commands.add_parser(
        "init", help="write the loader files, dataduct.yaml and a starter pipeline"
    )
    init.add_argument(
        "dags_folder",
        nargs="?",
        default=".",
        metavar="DIR",
        help="Airflow's DAGs folder (default: the current directory); never overwrites",
    )
    init.set_defaults(handler=init_command)
