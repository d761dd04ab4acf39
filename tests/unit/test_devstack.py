"""devstack: real throwaway PostgreSQL and MariaDB servers in temporary directories."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from devstack import DevstackError, mariadb, postgres
from devstack.__main__ import main
from devstack.seed import EMOJI_NAME, QUOTED_NAME, seed_users, seed_users_mysql

AWKWARD_NAMES = [
    "",
    "tab\there",
    "new\nline",
    "cr\r\nlf",
    "back\\slash",
    QUOTED_NAME,
    EMOJI_NAME,
    "NULL",
]
ROWS = 1_000


@pytest.fixture
def fresh_dir() -> Iterator[Callable[[], Path]]:
    """Makes new directories under /tmp, removed afterwards.

    Not pytest's tmp_path: as root that lives in /tmp/pytest-of-root (mode 700), which the
    postgres system user cannot traverse.
    """
    made: list[Path] = []

    def make() -> Path:
        path = Path(tempfile.mkdtemp(prefix="devstack-test-"))
        path.chmod(0o711)
        made.append(path)
        return path

    yield make
    for path in made:
        postgres.stop_postgres(path / "pg")
        mariadb.stop_mariadb(path / "my")
        postgres.stop_postgres(path / "stack" / "postgres")
        shutil.rmtree(path, ignore_errors=True)


def _pg_count(dsn: str, where: str, params: tuple[object, ...] = ()) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT count(*) FROM users WHERE {where}", params).fetchone()
    assert row is not None
    return int(row[0])


def test_postgres_start_seed_stop(fresh_dir: Callable[[], Path]) -> None:
    base = fresh_dir() / "pg"
    server = postgres.start_postgres(base)
    assert postgres.start_postgres(base) == server  # idempotent: reuses the running server
    assert (base / "port").read_text().strip() == str(server.port)
    postgres.create_database(server, "userDb")
    postgres.create_database(server, "userDb")
    dsn = server.dsn("userDb")
    assert dsn == f"postgresql://postgres@127.0.0.1:{server.port}/userDb"

    assert seed_users(dsn, ROWS) == ROWS
    assert seed_users(dsn, ROWS) == ROWS  # drop + recreate
    for name in AWKWARD_NAMES:
        assert _pg_count(dsn, "user_name = %s", (name,)) == 1, repr(name)
    assert _pg_count(dsn, "user_email IS NULL") == ROWS // 50
    assert _pg_count(dsn, "user_email = 'NULL'") == 1
    assert _pg_count(dsn, "last_login IS NULL") > 0
    assert _pg_count(dsn, "score = 99999999.99") == 1

    postgres.stop_postgres(base)
    postgres.stop_postgres(base)  # tolerated when not running
    assert postgres.running_postgres(base) is None

    restarted = postgres.start_postgres(base)  # same data, same port when still free
    assert _pg_count(restarted.dsn("userDb"), "true") == ROWS
    postgres.stop_postgres(base)


@pytest.mark.skipif(os.geteuid() != 0, reason="the traversal check applies to root only")
def test_postgres_as_root_needs_traversable_parents(fresh_dir: Callable[[], Path]) -> None:
    closed = fresh_dir() / "closed"
    closed.mkdir(mode=0o700)
    with pytest.raises(DevstackError, match=r"o\+x"):
        postgres.start_postgres(closed / "pg")


@pytest.mark.skipif(postgres.pgserver_bindir() is None, reason="pgserver is not installed")
def test_postgres_falls_back_to_pgserver(
    fresh_dir: Callable[[], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEVSTACK_PG_BINDIR", raising=False)
    monkeypatch.setattr(postgres, "system_bindir", lambda: None)
    base = fresh_dir() / "pg"
    server = postgres.start_postgres(base)
    with psycopg.connect(server.dsn()) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    assert row is not None and row[0].startswith("16")
    postgres.stop_postgres(base)


def test_cli_up_status_down(
    fresh_dir: Callable[[], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    stack = fresh_dir() / "stack"
    assert main(["up", "--base-dir", str(stack), "--db", "userDb"]) == 0
    first = capsys.readouterr().out
    assert main(["up", "--base-dir", str(stack)]) == 0  # idempotent
    assert capsys.readouterr().out == first
    assert main(["status", "--base-dir", str(stack)]) == 0
    status = capsys.readouterr().out
    assert first.strip() in status and "mariadb: not running" in status
    assert main(["down", "--base-dir", str(stack)]) == 0
    assert main(["status", "--base-dir", str(stack)]) == 0
    assert "postgres: not running" in capsys.readouterr().out


def test_mariadb_missing_binaries_say_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mariadb, "_which", lambda *names: None)
    with pytest.raises(DevstackError, match="make mariadb"):
        mariadb.start_mariadb(Path("/nonexistent/devstack"))


def _my_client(server: mariadb.MariaDbServer, password: str) -> subprocess.CompletedProcess[str]:
    """The mariadb CLI over TCP as the app user."""
    cmd = [
        mariadb.find_binaries().client,
        "--no-defaults",
        "--protocol=TCP",
        "-h",
        server.host,
        "-P",
        str(server.port),
        "-u",
        server.user,
        f"--password={password}",
        "--batch",
        "--skip-column-names",
        "-e",
        "SELECT CURRENT_USER()",
    ]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


@pytest.mark.skipif(
    not mariadb.mariadb_available(), reason="MariaDB binaries absent (run `make mariadb`)"
)
def test_mariadb_start_seed_stop(fresh_dir: Callable[[], Path]) -> None:
    base = fresh_dir() / "my"
    server = mariadb.start_mariadb(base)
    assert mariadb.start_mariadb(base) == server
    assert server.uri("userDb") == f"mysql://dataduct:dataduct@127.0.0.1:{server.port}/userDb"
    assert _my_client(server, "dataduct").stdout.strip() == "dataduct@127.0.0.1"
    assert _my_client(server, "wrong").returncode != 0  # real authentication

    mariadb.create_database(server, "userDb")
    mariadb.create_database(server, "userDb")
    assert seed_users_mysql(server, "userDb", ROWS) == ROWS
    assert seed_users_mysql(server, "userDb", ROWS) == ROWS
    counts = ", ".join(
        f"(SELECT COUNT(*) FROM users WHERE HEX(user_name) = '{name.encode().hex().upper()}')"
        for name in AWKWARD_NAMES
    )
    found = mariadb.run_sql(server, f"SELECT {counts};", database="userDb").split()
    assert found == ["1"] * len(AWKWARD_NAMES)
    nulls = mariadb.run_sql(
        server, "SELECT COUNT(*) FROM users WHERE user_email IS NULL;", database="userDb"
    )
    assert int(nulls) == ROWS // 50

    mariadb.stop_mariadb(base)
    mariadb.stop_mariadb(base)
    assert mariadb.running_mariadb(base) is None
