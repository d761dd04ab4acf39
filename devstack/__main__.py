"""CLI: ``python -m devstack {up,down,status} [--base-dir DIR] [--mariadb] [--db NAME]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from devstack import mariadb, postgres
from devstack._common import DevstackError

DEFAULT_BASE_DIR = Path(".local/stack")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__)
    parser.add_argument("command", choices=("up", "down", "status"))
    parser.add_argument(
        "--base-dir",
        type=Path,
        default=DEFAULT_BASE_DIR,
        help="where the servers keep their data (default: %(default)s)",
    )
    parser.add_argument("--mariadb", action="store_true", help="also start MariaDB (up)")
    parser.add_argument(
        "--db",
        action="append",
        default=[],
        metavar="NAME",
        help="create this database on each started server (repeatable)",
    )
    return parser


def _up(base_dir: Path, with_mariadb: bool, databases: list[str]) -> None:
    pg = postgres.start_postgres(base_dir / "postgres")
    for name in databases:
        postgres.create_database(pg, name)
    print(f"postgres: {pg.dsn()}")
    if with_mariadb:
        my = mariadb.start_mariadb(base_dir / "mariadb")
        for name in databases:
            mariadb.create_database(my, name)
        print(f"mariadb: {my.uri()}")


def _down(base_dir: Path) -> None:
    postgres.stop_postgres(base_dir / "postgres")
    mariadb.stop_mariadb(base_dir / "mariadb")
    print("stopped")


def _status(base_dir: Path) -> None:
    pg = postgres.running_postgres(base_dir / "postgres")
    print(f"postgres: {pg.dsn() if pg else 'not running'}")
    my = mariadb.running_mariadb(base_dir / "mariadb")
    print(f"mariadb: {my.uri() if my else 'not running'}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "up":
            _up(args.base_dir, args.mariadb, args.db)
        elif args.command == "down":
            _down(args.base_dir)
        else:
            _status(args.base_dir)
    except DevstackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
