"""A small Airflow cluster on this machine for the many-workers test: processes in their own
process groups, started and stopped by the test, each wait bounded.

Every Airflow process reads its configuration from the environment (as in a container); the
two Celery workers each get their own AIRFLOW_HOME, working directory, TMPDIR, copy of the
DAGs folder and hostname, as on separate machines.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil

T = TypeVar("T")

WORKER_IDENTITY = '''\
"""[core] hostname_callable of one test worker: the name it records on its task instances."""
import os


def hostname() -> str:
    return os.environ["DATADUCT_WORKER_NAME"]
'''


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, every: float = 1.0) -> T:
    """The first truthy result of ``probe``; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


@dataclass
class Process:
    """One started command, in its own session (so its process group is its own)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    killed: bool = False

    def tree(self) -> list[psutil.Process]:
        """The process and every descendant (task processes start their own groups)."""
        try:
            root = psutil.Process(self.popen.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL the whole tree at once, as when a machine dies."""
        self.killed = True
        for process in self.tree():
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        self.popen.wait(timeout=30)

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM the process group, SIGKILL what is left of the tree after ``grace``."""
        tree = self.tree()
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
        _, alive = psutil.wait_procs(tree, timeout=grace)
        for process in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(alive, timeout=10)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])


@dataclass
class Processes:
    """The processes a test started; ``stop_all`` stops every one (in reverse order)."""

    logs: Path
    started: list[Process] = field(default_factory=list)

    def start(
        self, name: str, command: list[str], env: dict[str, str], cwd: Path | None = None
    ) -> Process:
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.started.append(process)
        return process

    def named(self, name: str) -> Process:
        (process,) = [p for p in self.started if p.name == name]
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            process.stop()

    def check_alive(self) -> None:
        """AssertionError with the log of any process that exited on its own."""
        dead = [p for p in self.started if p.popen.poll() is not None and not p.killed]
        if dead:
            raise AssertionError("\n".join(p.tail() for p in dead))

    def tails(self) -> str:
        return "\n".join(p.tail() for p in self.started)


@dataclass
class Api:
    """Airflow's REST API (v2) with a token from the simple auth manager (all admins)."""

    base: str
    token: str = ""

    def request(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def healthy(self) -> bool:
        try:
            return self.request("GET", "/api/v2/monitor/health")["metadatabase"]["status"] == (
                "healthy"
            )
        except (OSError, urllib.error.URLError, KeyError, ValueError):
            return False

    def login(self) -> None:
        self.token = self.request("GET", "/auth/token")["access_token"]

    def dag_known(self, dag_id: str) -> bool:
        try:
            self.request("GET", f"/api/v2/dags/{dag_id}")
        except urllib.error.HTTPError:
            return False
        return True

    def trigger(self, dag_id: str) -> str:
        run = self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
        return str(run["dag_run_id"])

    def run_state(self, dag_id: str, run_id: str) -> str:
        return str(self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"])

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances"
        return list(self.request("GET", path)["task_instances"])

    def tries(self, dag_id: str, run_id: str, task_id: str) -> list[dict[str, Any]]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/tries"
        return list(self.request("GET", path)["task_instances"])
