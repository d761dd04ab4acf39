"""Helpers shared by the PostgreSQL and MariaDB launchers."""

from __future__ import annotations

import fcntl
import os
import pwd
import socket
import stat
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

PORT_FILE = "port"
MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes; leave room for the terminator


class DevstackError(RuntimeError):
    """A throwaway server could not be set up, started or stopped."""


def is_root() -> bool:
    """True when running with effective uid 0."""
    return os.geteuid() == 0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port`` and it can be bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


@contextmanager
def locked(base_dir: Path) -> Iterator[None]:
    """Serialise starts of the server of ``base_dir`` across processes (creates the dir)."""
    base_dir.mkdir(parents=True, exist_ok=True)
    with open(base_dir / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def read_port(base_dir: Path) -> int | None:
    """The port stored in ``base_dir/port`` by an earlier start, if any."""
    try:
        return int((base_dir / PORT_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def write_port(base_dir: Path, port: int) -> None:
    """Remember the port of the server of ``base_dir``."""
    (base_dir / PORT_FILE).write_text(f"{port}\n")


def choose_port(base_dir: Path, port: int | None) -> int:
    """The requested port, else the one used last time if still free, else a free one."""
    if port is not None:
        return port
    previous = read_port(base_dir)
    if previous is not None and port_is_free(previous):
        return previous
    return free_port()


def log_tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    tail = "\n".join(text.rstrip().splitlines()[-lines:])
    return f"--- last lines of {path} ---\n{tail}"


def run(
    cmd: Sequence[str],
    what: str,
    *,
    cwd: Path | None = None,
    input_text: str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; on failure raise DevstackError with its output."""
    try:
        result = subprocess.run(
            list(cmd),
            capture_output=True,
            text=True,
            check=False,
            cwd=cwd,
            input=input_text,
            env=env,
            timeout=timeout,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DevstackError(f"{what} failed: {exc}") from exc
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise DevstackError(f"{what} failed (exit {result.returncode}): {' '.join(cmd)}\n{output}")
    return result


def pid_exists(pid: int) -> bool:
    """True when process ``pid`` exists, zombies included."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pid_alive(pid: int) -> bool:
    """True when process ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return pid_exists(pid)
    return state not in ("Z", "X")


def process_mentions(pid: int, text: str) -> bool:
    """True when the command line of ``pid`` contains ``text`` (guards against pid reuse)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return text.encode() in cmdline


def ensure_system_user(name: str) -> pwd.struct_passwd:
    """The passwd entry of ``name``, creating a system user (root only) if missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        f"creating system user {name!r}",
    )
    return pwd.getpwnam(name)


def _can_traverse(path: Path, uid: int, gids: set[int]) -> bool:
    info = path.stat()
    if info.st_uid == uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid in gids:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def check_traversable(path: Path, user: str) -> None:
    """Raise DevstackError unless ``user`` may enter ``path`` and each of its parents."""
    entry = pwd.getpwnam(user)
    gids = set(os.getgrouplist(user, entry.pw_gid))
    chain = [path, *path.parents]
    blocked = [p for p in chain if p.exists() and not _can_traverse(p, entry.pw_uid, gids)]
    if blocked:
        names = " ".join(str(p) for p in blocked)
        raise DevstackError(
            f"user {user!r} cannot traverse {names} (no o+x permission) on the way to {path}; "
            f"run `chmod o+x {names}` or use a base dir elsewhere (e.g. under /tmp)"
        )
