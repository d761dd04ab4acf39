"""Throwaway PostgreSQL servers on loopback (system install, else pgserver's binaries).

Layout of ``base_dir``: ``data/`` (the cluster), ``postgres.log``, ``port`` and ``bindir`` (the
binaries that made the cluster). As root the server runs as the ``postgres`` system user (initdb
and postgres refuse root), which then owns ``base_dir`` itself; its parents only need to be
traversable (o+x).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from devstack._common import (
    MAX_SOCKET_PATH,
    DevstackError,
    check_traversable,
    choose_port,
    ensure_system_user,
    is_root,
    locked,
    log_tail,
    pid_alive,
    pid_exists,
    process_mentions,
    run,
    write_port,
)

__all__ = [
    "PostgresServer",
    "create_database",
    "find_bindir",
    "running_postgres",
    "start_postgres",
    "stop_postgres",
]

HOST = "127.0.0.1"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"  # the OS user that runs the server when we are root
SERVER_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
READY_TIMEOUT = 60.0
BINDIR_FILE = "bindir"


@dataclass
class PostgresServer:
    """A running PostgreSQL server on loopback, superuser ``postgres`` with trust auth."""

    host: str
    port: int
    user: str
    data_dir: Path

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq URI, e.g. ``postgresql://postgres@127.0.0.1:5433/postgres``."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{quote(dbname, safe='')}"


# --- finding the binaries -------------------------------------------------------------------


def _has_initdb(bindir: Path) -> bool:
    return (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file()


def _debian_bindirs() -> list[Path]:
    """Debian's /usr/lib/postgresql/<major>/bin directories, newest first."""
    found = [d / "bin" for d in DEBIAN_ROOT.glob("*") if d.name.isdigit()]
    return sorted((d for d in found if _has_initdb(d)), key=lambda d: -int(d.parent.name))


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if not pg_config:
        return None
    result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
    bindir = Path(result.stdout.strip())
    return bindir if result.returncode == 0 and _has_initdb(bindir) else None


def _path_bindir() -> Path | None:
    initdb = shutil.which("initdb")
    bindir = Path(initdb).resolve().parent if initdb else None
    return bindir if bindir and _has_initdb(bindir) else None


def system_bindir() -> Path | None:
    """The newest system PostgreSQL's bin directory, if any."""
    debian = _debian_bindirs()
    return debian[0] if debian else _pg_config_bindir() or _path_bindir()


def pgserver_bindir() -> Path | None:
    """The binaries bundled in the ``pgserver`` wheel, found without importing it."""
    spec = importlib.util.find_spec("pgserver")
    for location in (spec and spec.submodule_search_locations) or []:
        bindir = Path(location) / "pginstall" / "bin"
        if _has_initdb(bindir):
            return bindir
    return None


def find_bindir(base_dir: Path | None = None) -> Path:
    """Where initdb/pg_ctl/postgres live: $DEVSTACK_PG_BINDIR, else the ones that made the
    cluster of ``base_dir`` (remembered in ``base_dir/bindir``), else system, else pgserver.
    """
    override = os.environ.get("DEVSTACK_PG_BINDIR")
    if override:
        return Path(override)
    remembered = _remembered_bindir(base_dir) if base_dir else None
    bindir = remembered or system_bindir() or pgserver_bindir()
    if bindir is None:
        raise DevstackError(
            "no PostgreSQL found: install Debian's `postgresql` package, or `pip install pgserver`"
        )
    return bindir


def _remembered_bindir(base_dir: Path) -> Path | None:
    try:
        bindir = Path((base_dir / BINDIR_FILE).read_text().strip())
    except OSError:
        return None
    return bindir if _has_initdb(bindir) else None


# --- running the tools ----------------------------------------------------------------------


def _tool(bindir: Path, name: str, *args: str) -> list[str]:
    """Command line for a PostgreSQL tool, run as the postgres system user when root."""
    prefix = ["runuser", "-u", SYSTEM_USER, "--"] if is_root() else []
    return [*prefix, str(bindir / name), *args]


def _prepare_base_dir(base_dir: Path, bindir: Path) -> None:
    """Create ``base_dir``; as root hand it (only it) to the postgres system user."""
    base_dir.mkdir(parents=True, exist_ok=True)
    base_dir.chmod(0o700)
    if not is_root():
        return
    entry = ensure_system_user(SYSTEM_USER)
    check_traversable(base_dir.parent, SYSTEM_USER)
    check_traversable(bindir, SYSTEM_USER)
    os.chown(base_dir, entry.pw_uid, entry.pw_gid)


def _initdb(bindir: Path, data_dir: Path) -> None:
    """Create the cluster in ``data_dir`` unless it exists (C.UTF-8 locale, else C)."""
    if (data_dir / "PG_VERSION").is_file():
        return
    if data_dir.exists():  # a half-made cluster from an interrupted initdb
        shutil.rmtree(data_dir)
    base = ["-D", str(data_dir), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8"]
    try:
        run(_tool(bindir, "initdb", *base, "--locale=C.UTF-8"), "initdb", cwd=data_dir.parent)
    except DevstackError as exc:
        if "locale" not in str(exc).lower():
            raise
        shutil.rmtree(data_dir, ignore_errors=True)
        run(_tool(bindir, "initdb", *base, "--locale=C"), "initdb", cwd=data_dir.parent)


def _server_options(data_dir: Path, port: int) -> str:
    """The ``-o`` string for pg_ctl; no unix socket when the data dir path is too long."""
    socket_dir = str(data_dir) if len(str(data_dir)) + 20 < MAX_SOCKET_PATH else ""
    return f"-h {HOST} -p {port} -k {shlex.quote(socket_dir)} {SERVER_SETTINGS}"


def _pg_ctl_start(bindir: Path, base_dir: Path, port: int) -> None:
    data_dir, log = base_dir / "data", base_dir / "postgres.log"
    options = _server_options(data_dir, port)
    args = ["-D", str(data_dir), "-l", str(log), "-o", options, "-w", "-t", "60", "start"]
    cmd = _tool(bindir, "pg_ctl", *args)
    try:
        run(cmd, "pg_ctl start", cwd=base_dir)
    except DevstackError as exc:
        raise DevstackError(f"{exc}\n{log_tail(log)}") from exc


# --- server state ---------------------------------------------------------------------------


def _postmaster(data_dir: Path) -> tuple[int, int] | None:
    """(pid, port) from ``postmaster.pid`` when that process is alive."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None
    alive = pid_alive(pid) and process_mentions(pid, str(data_dir))
    return (pid, port) if alive else None


def _wait_for_dead_postmaster(data_dir: Path, timeout: float = 15.0) -> None:
    """After a crash, wait until the old postmaster's zombie is reaped.

    postgres refuses to start while the pid in ``postmaster.pid`` still exists.
    """
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return
    deadline = time.monotonic() + timeout
    while pid_exists(pid) and not pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)


def _accepts(server: PostgresServer) -> bool:
    try:
        with psycopg.connect(server.dsn(), connect_timeout=2) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def _wait_ready(server: PostgresServer, log: Path, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not _accepts(server):
        if time.monotonic() > deadline:
            raise DevstackError(f"PostgreSQL on port {server.port} not ready\n{log_tail(log)}")
        time.sleep(0.1)


def running_postgres(base_dir: Path) -> PostgresServer | None:
    """The server of ``base_dir`` if it runs and answers, else None."""
    base_dir = Path(base_dir).resolve()
    data_dir = base_dir / "data"
    found = _postmaster(data_dir)
    if found is None:
        return None
    server = PostgresServer(HOST, found[1], SUPERUSER, data_dir)
    _wait_ready(server, base_dir / "postgres.log")
    return server


# --- public API -----------------------------------------------------------------------------


def start_postgres(base_dir: Path, port: int | None = None) -> PostgresServer:
    """Start (or reuse) the PostgreSQL server of ``base_dir`` on 127.0.0.1 and wait for it."""
    base_dir = Path(base_dir).resolve()
    with locked(base_dir):
        return running_postgres(base_dir) or _start(base_dir, port)


def _start(base_dir: Path, port: int | None) -> PostgresServer:
    data_dir = base_dir / "data"
    bindir = find_bindir(base_dir)
    _prepare_base_dir(base_dir, bindir)
    _initdb(bindir, data_dir)
    (base_dir / BINDIR_FILE).write_text(f"{bindir}\n")
    _wait_for_dead_postmaster(data_dir)
    port = choose_port(base_dir, port)
    _pg_ctl_start(bindir, base_dir, port)
    write_port(base_dir, port)
    server = PostgresServer(HOST, port, SUPERUSER, data_dir)
    _wait_ready(server, base_dir / "postgres.log")
    return server


def stop_postgres(base_dir: Path) -> None:
    """Stop the server of ``base_dir`` (fast mode); nothing to do when it is not running."""
    base_dir = Path(base_dir).resolve()
    data_dir = base_dir / "data"
    if _postmaster(data_dir) is None:
        return
    cmd = _tool(find_bindir(base_dir), "pg_ctl", "-D", str(data_dir), "-m", "fast", "-w", "stop")
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=base_dir)
    if result.returncode != 0 and _postmaster(data_dir) is not None:
        raise DevstackError(f"pg_ctl stop failed: {result.stderr.strip()}")


def recreate_database(server: PostgresServer, name: str) -> None:
    """Drop ``name`` (forcibly: open sessions are ended) and create it empty."""
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        quoted = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quoted))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(quoted))


def create_database(server: PostgresServer, name: str) -> None:
    """Create database ``name`` (quoted, so mixed case is kept) unless it exists."""
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if conn.execute(query, (name,)).fetchone():
            return
        created_concurrently = (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation)
        with contextlib.suppress(*created_concurrently):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
