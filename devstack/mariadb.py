"""Throwaway MariaDB servers on loopback, from Debian's ``mariadb-server`` binaries.

Layout of ``base_dir``: ``data/``, ``mysqld.sock``, ``mariadbd.pid``, ``mariadbd.log`` and
``port``. Setup runs over the unix socket as MariaDB ``root`` (no password, socket only);
clients use ``dataduct``/``dataduct`` over TCP on 127.0.0.1. As root the server runs with
``--user=root`` (as a normal user, as that user), so ``base_dir`` needs no special ownership.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from devstack._common import (
    MAX_SOCKET_PATH,
    DevstackError,
    choose_port,
    is_root,
    locked,
    log_tail,
    pid_alive,
    process_mentions,
    run,
    write_port,
)

__all__ = [
    "MariaDbServer",
    "create_database",
    "mariadb_available",
    "run_sql",
    "running_mariadb",
    "start_mariadb",
    "stop_mariadb",
]

HOST = "127.0.0.1"
APP_USER = "dataduct"
APP_PASSWORD = "dataduct"
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
SEARCH_DIRS = ("/usr/sbin", "/usr/bin", "/usr/libexec", "/usr/local/sbin", "/usr/local/bin")
INSTALL_HINT = (
    "MariaDB is not installed: run `make mariadb` "
    "(or as root `apt-get install -y mariadb-server mariadb-client`)"
)
SERVER_OPTIONS = (
    "--skip-name-resolve",
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_unicode_ci",
    "--innodb-buffer-pool-size=64M",
    "--innodb-flush-log-at-trx-commit=0",
    "--skip-innodb-doublewrite",
)


@dataclass
class MariaDbServer:
    """A running MariaDB server: TCP on ``host:port`` for clients, ``socket`` for setup."""

    host: str
    port: int
    user: str
    data_dir: Path
    socket: Path
    password: str = APP_PASSWORD

    def uri(self, db: str = "") -> str:
        """A URI, e.g. ``mysql://dataduct:dataduct@127.0.0.1:3307/db``."""
        return f"mysql://{self.user}:{self.password}@{self.host}:{self.port}/{quote(db, safe='')}"


@dataclass(frozen=True)
class _Binaries:
    server: str
    install_db: str
    client: str


def _which(*names: str) -> str | None:
    """First of ``names`` on PATH or in the usual sbin/bin directories."""
    path = os.pathsep.join([os.environ.get("PATH", ""), *SEARCH_DIRS])
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def find_binaries() -> _Binaries:
    """The server, install-db and client programs; DevstackError with the fix if absent."""
    server = _which("mariadbd", "mysqld")
    install_db = _which("mariadb-install-db", "mysql_install_db")
    client = _which("mariadb", "mysql")
    if not (server and install_db and client):
        raise DevstackError(INSTALL_HINT)
    return _Binaries(server, install_db, client)


def mariadb_available() -> bool:
    """True when the MariaDB server, install-db and client programs are installed."""
    try:
        find_binaries()
    except DevstackError:
        return False
    return True


# --- running SQL ----------------------------------------------------------------------------


def _root_client(client: str, socket: Path, database: str | None = None) -> list[str]:
    cmd = [
        client,
        "--no-defaults",
        "--protocol=SOCKET",
        f"--socket={socket}",
        "--user=root",
        "--default-character-set=utf8mb4",
        "--batch",
        "--skip-column-names",
    ]
    return [*cmd, database] if database else cmd


def root_client_command(server: MariaDbServer, database: str | None = None) -> list[str]:
    """The ``mariadb`` client as root over the unix socket, in batch mode (TSV output)."""
    return _root_client(find_binaries().client, server.socket, database)


def run_sql(server: MariaDbServer, statements: str, database: str | None = None) -> str:
    """Run SQL as MariaDB root over the unix socket; returns tab-separated rows."""
    cmd = root_client_command(server, database)
    return run(cmd, "mariadb client", input_text=statements).stdout


def quote_name(name: str) -> str:
    """A MariaDB identifier in backquotes (mixed case is kept on Linux)."""
    return "`" + name.replace("`", "``") + "`"


def create_database(server: MariaDbServer, name: str) -> None:
    """Create database ``name`` (utf8mb4) unless it exists."""
    run_sql(
        server,
        f"CREATE DATABASE IF NOT EXISTS {quote_name(name)} "
        "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;",
    )


# --- starting -------------------------------------------------------------------------------


def _paths(base_dir: Path) -> dict[str, Path]:
    names = {"data": "data", "socket": "mysqld.sock", "pid": "mariadbd.pid", "log": "mariadbd.log"}
    return {key: base_dir / name for key, name in names.items()}


def _install_db(bins: _Binaries, base_dir: Path) -> None:
    """Create the system tables in ``base_dir/data`` unless they exist."""
    data_dir = _paths(base_dir)["data"]
    if (data_dir / "mysql").is_dir():
        return
    if data_dir.exists():  # a half-made datadir from an interrupted install
        shutil.rmtree(data_dir)
    cmd = [
        bins.install_db,
        "--no-defaults",
        f"--datadir={data_dir}",
        "--auth-root-authentication-method=normal",
        "--skip-test-db",
    ]
    run([*cmd, "--user=root"] if is_root() else cmd, "mariadb-install-db", cwd=base_dir)


def _launch(bins: _Binaries, base_dir: Path, port: int) -> int:
    """Start mariadbd detached from this process; returns its pid."""
    paths = _paths(base_dir)
    cmd = [
        bins.server,
        "--no-defaults",
        f"--datadir={paths['data']}",
        f"--port={port}",
        f"--bind-address={HOST}",
        f"--socket={paths['socket']}",
        f"--pid-file={paths['pid']}",
        f"--log-error={paths['log']}",
        *SERVER_OPTIONS,
    ]
    if is_root():
        cmd.append("--user=root")
    # sh puts the server in the background and exits, so the server outlives this process.
    launcher = ["sh", "-c", '"$@" >>"$0" 2>&1 </dev/null & echo $!', str(paths["log"]), *cmd]
    return int(run(launcher, "starting mariadbd", cwd=base_dir).stdout.strip())


def _answers(bins: _Binaries, socket: Path) -> bool:
    try:
        run(_root_client(bins.client, socket), "ping", input_text="SELECT 1;", timeout=10)
    except DevstackError:
        return False
    return True


def _wait_ready(bins: _Binaries, base_dir: Path, pid: int) -> None:
    paths = _paths(base_dir)
    deadline = time.monotonic() + READY_TIMEOUT
    while not _answers(bins, paths["socket"]):
        if not pid_alive(pid):
            raise DevstackError(f"mariadbd exited during startup\n{log_tail(paths['log'])}")
        if time.monotonic() > deadline:
            raise DevstackError(f"mariadbd not ready\n{log_tail(paths['log'])}")
        time.sleep(0.1)


def _setup_users(server: MariaDbServer) -> None:
    """Create the app user (idempotent); MariaDB root stays reachable over the socket only."""
    grants = []
    for host in (HOST, "localhost"):
        account = f"'{APP_USER}'@'{host}'"
        grants += [
            f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY '{APP_PASSWORD}';",
            f"ALTER USER {account} IDENTIFIED BY '{APP_PASSWORD}';",
            f"GRANT ALL PRIVILEGES ON *.* TO {account} WITH GRANT OPTION;",
        ]
    cleanup = (
        "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');"
    )
    run_sql(server, "\n".join([*grants, cleanup, "FLUSH PRIVILEGES;"]))


def _server_pid(base_dir: Path) -> int | None:
    """Pid of the live mariadbd of ``base_dir``, checked against its command line."""
    paths = _paths(base_dir)
    try:
        pid = int(paths["pid"].read_text().strip())
    except (OSError, ValueError):
        return None
    alive = pid_alive(pid) and process_mentions(pid, f"--datadir={paths['data']}")
    return pid if alive else None


def _server(base_dir: Path, port: int) -> MariaDbServer:
    paths = _paths(base_dir)
    return MariaDbServer(HOST, port, APP_USER, paths["data"], paths["socket"])


def running_mariadb(base_dir: Path) -> MariaDbServer | None:
    """The server of ``base_dir`` if it runs and answers, else None."""
    base_dir = Path(base_dir).resolve()
    pid = _server_pid(base_dir)
    port_file = base_dir / "port"
    if pid is None or not port_file.is_file():
        return None
    _wait_ready(find_binaries(), base_dir, pid)
    return _server(base_dir, int(port_file.read_text().strip()))


def _check_socket_path(socket: Path) -> None:
    if len(str(socket)) > MAX_SOCKET_PATH:
        raise DevstackError(
            f"socket path too long for a unix socket (use a shorter base dir): {socket}"
        )


def start_mariadb(base_dir: Path, port: int | None = None) -> MariaDbServer:
    """Start (or reuse) the MariaDB server of ``base_dir`` on 127.0.0.1 and wait for it."""
    bins = find_binaries()
    base_dir = Path(base_dir).resolve()
    _check_socket_path(_paths(base_dir)["socket"])
    with locked(base_dir):
        return running_mariadb(base_dir) or _start(bins, base_dir, port)


def _start(bins: _Binaries, base_dir: Path, port: int | None) -> MariaDbServer:
    base_dir.chmod(0o700)
    _install_db(bins, base_dir)
    port = choose_port(base_dir, port)
    pid = _launch(bins, base_dir, port)
    _wait_ready(bins, base_dir, pid)
    write_port(base_dir, port)
    server = _server(base_dir, port)
    _setup_users(server)
    return server


def stop_mariadb(base_dir: Path) -> None:
    """Stop the server of ``base_dir`` (SIGTERM, clean shutdown); fine when not running."""
    pid = _server_pid(Path(base_dir).resolve())
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while pid_alive(pid):
        if time.monotonic() > deadline:
            raise DevstackError(f"mariadbd (pid {pid}) did not stop within {STOP_TIMEOUT:.0f}s")
        time.sleep(0.05)
