"""``transform`` and ``qa-transform``: a command or script over staged files (docs/steps.md).

Like Data Pipeline's staged ShellCommandActivity (docs/pipelines.md): the inputs are downloaded into
``INPUT1_STAGING_DIR`` (an ``input_node`` map gives one subfolder per entry; a
``script_directory`` comes as the next ``INPUT<n>_STAGING_DIR``), the program writes into
``OUTPUT1_STAGING_DIR`` (one subfolder per ``output_node``), and the output is uploaded as the
step's staged output only after the program succeeded. Files are Dataduct TSV (NULL as
``NULL``; docs/staging.md), decompressed.

Hand-written instead of ``BashOperator``/``SubprocessHook``: the staging has to happen around
the program in the same task, and ``SubprocessHook`` merges stderr into stdout and keeps only
the last line, while a failure here reports the exit code and the tail of stderr.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from airflow.sdk import BaseOperator

from airflow_dataduct.errors import TransformFailed
from airflow_dataduct.operators.extract_files import commit_parts, stage_file
from airflow_dataduct.staging import dataduct_tsv
from airflow_dataduct.staging.interchange import FORMAT_NAME as INTERCHANGE
from airflow_dataduct.staging.locations import copy_staged, listing_manifest, open_store
from airflow_dataduct.staging.manifest import Manifest, Part
from airflow_dataduct.staging.store import StagingStore

log = logging.getLogger(__name__)
STDERR_TAIL_LINES = 20


def local_name(part: Part) -> str:
    """Where a part goes inside an input folder: its path without the attempt folder and
    ``.gz``; an object named by URI keeps its file name."""
    name = part.name
    if "://" in name or os.path.isabs(name):
        name = name.rstrip("/").rsplit("/", 1)[-1]
    elif name.startswith("attempt-") and "/" in name:
        name = name.split("/", 1)[1]
    return name.removesuffix(".gz") or "part"


def _safe_target(folder: Path, name: str) -> Path:
    target = (folder / name).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ValueError(f"part name {name!r} leaves its folder")
    return target


def download(store: StagingStore, manifest: Manifest, folder: Path) -> int:
    """Write every part of ``manifest`` into ``folder`` as Dataduct TSV; returns files written."""
    folder.mkdir(parents=True, exist_ok=True)
    for part in manifest.parts:
        target = _safe_target(folder, local_name(part))
        target.parent.mkdir(parents=True, exist_ok=True)
        chunks: Iterator[bytes] = store.iter_part(manifest, part)
        if manifest.format == INTERCHANGE:
            chunks = dataduct_tsv.from_interchange(chunks)
        with open(target, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
    return len(manifest.parts)


def program_argv(path: Path) -> list[str]:
    """How a script file runs: by its ``#!`` line, ``.py`` with this Python, else with bash."""
    with open(path, "rb") as head:
        shebang = head.read(2) == b"#!"
    if shebang:
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP)
        return [str(path)]
    if path.suffix == ".py":
        return [sys.executable, str(path)]
    return ["bash", str(path)]


def run_program(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, list[str]]:
    """Run ``argv``, logging its stdout and stderr lines; returns (exit code, stderr tail)."""
    log.info("Running %s", argv)
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    RUNNING.add(process)
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
    assert process.stdout is not None and process.stderr is not None
    reader = threading.Thread(target=_log_lines, args=(process.stdout, None), daemon=True)
    reader.start()
    try:
        _log_lines(process.stderr, tail)
        reader.join()
        return process.wait(), list(tail)
    finally:
        RUNNING.discard(process)


RUNNING: set[subprocess.Popen[bytes]] = set()


def _log_lines(stream: IO[bytes], tail: collections.deque[str] | None) -> None:
    for raw in stream:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if tail is None:
            log.info("%s", line)
        else:
            log.warning("%s", line)
            tail.append(line)


class TransformOperator(BaseOperator):
    """Run a ``transform`` step's program with Data Pipeline's staging folders.

    The program is the first given of ``command``, ``script``, ``script_uri`` and
    ``script_directory`` with ``script_name``; it runs in a scratch folder, and a non-zero exit
    fails the task with the tail of its stderr.

    :param staging_location: the staging root the inputs are read from and the output is
        published to: an ``s3://bucket/prefix`` URI or a local directory (``staging.location``).
    :param command: a bash command, run as ``bash -c <command> <task_id>``; templated. None
        by default.
    :param script: a script file on the worker, run by its ``#!`` line, ``.py`` with this
        Python, else with bash; not templated. None by default.
    :param script_uri: a script at an ``s3://`` URI (or local path), downloaded and run as
        ``script`` is; templated. None by default.
    :param script_directory: a folder on the worker copied in as the next
        ``INPUT<n>_STAGING_DIR``, holding ``script_name``; not templated. None by default.
    :param script_name: the script's path inside ``script_directory``; not templated.
    :param arguments: command-line arguments appended to the program's; templated. Default
        none.
    :param inputs: ``[subfolder or "", staging prefix or s3:// location]`` per input, each
        downloaded (as Dataduct TSV) into ``INPUT1_STAGING_DIR`` or its subfolder; templated.
        Default none.
    :param input_uri: the step's ``input_path``: existing data downloaded into
        ``INPUT1_STAGING_DIR``; templated. None by default.
    :param output_prefix: the staging prefix the program's ``OUTPUT1_STAGING_DIR`` is
        published under once it succeeds; templated. None (the default): no output folder,
        nothing published.
    :param output_nodes: names of ``OUTPUT1_STAGING_DIR`` subfolders, each published as
        ``<output_prefix>/<node>``; not templated. Default none: the folder is one output.
    :param output_path: Dataduct's ``output_path``: the committed output is also copied to
        this ``s3://`` URI or local directory (one subfolder per output node); templated.
        None (the default): no copy.
    :param aws_conn_id: the AWS connection for S3 staging, inputs and ``output_path``
        (default ``aws_default``).
    """

    template_fields: Sequence[str] = (
        "command",
        "arguments",
        "inputs",
        "input_uri",
        "script_uri",
        "output_prefix",
        "output_path",
    )
    template_fields_renderers = {"command": "bash"}
    ui_color = "#fdf2d0"

    def __init__(
        self,
        *,
        staging_location: str,
        command: str | None = None,
        script: str | None = None,
        script_uri: str | None = None,
        script_directory: str | None = None,
        script_name: str | None = None,
        arguments: Sequence[str] = (),
        inputs: Sequence[Sequence[str]] = (),
        input_uri: str | None = None,
        output_prefix: str | None = None,
        output_nodes: Sequence[str] = (),
        output_path: str | None = None,
        aws_conn_id: str = "aws_default",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.staging_location = staging_location
        self.command = command
        self.script = script
        self.script_uri = script_uri
        self.script_directory = script_directory
        self.script_name = script_name
        self.arguments = list(arguments)
        self.inputs = [list(i) for i in inputs]
        """``[subfolder or "", staging prefix or s3:// location]`` per input."""
        self.input_uri = input_uri
        self.output_prefix = output_prefix
        self.output_nodes = list(output_nodes)
        self.output_path = output_path
        """Dataduct's ``output_path``: the committed output is also copied there (one
        subfolder per ``output_node``)."""
        self.aws_conn_id = aws_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        store = open_store(self.staging_location, self.aws_conn_id)
        work = Path(tempfile.mkdtemp(prefix="dataduct-transform-"))
        try:
            env = {**os.environ, **self._stage_inputs(store, work)}
            argv = self._program(store, work, env)
            output = work / "output1"
            if self.output_prefix is not None:
                output.mkdir()
                for node in self.output_nodes:
                    (output / node).mkdir()
                env["OUTPUT1_STAGING_DIR"] = str(output)
            code, tail = run_program([*argv, *self.arguments], env, work)
            if code != 0:
                stderr = "\n".join(tail) or "(no stderr)"
                raise TransformFailed(
                    f"{self.task_id}: the program exited with code {code}; its output was "
                    f"discarded. Last lines of stderr:\n{stderr}"
                )
            return self._publish(store, output) if self.output_prefix is not None else {}
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def on_kill(self) -> None:
        for process in list(RUNNING):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)

    def _stage_inputs(self, store: StagingStore, work: Path) -> dict[str, str]:
        env: dict[str, str] = {}
        folder = work / "input1"
        if self.inputs or self.input_uri:
            for subdir, prefix in self.inputs:
                manifest = (
                    listing_manifest(prefix, self.aws_conn_id)
                    if "://" in prefix
                    else store.read_manifest(prefix)
                )
                files = download(store, manifest, folder / subdir if subdir else folder)
                log.info("Staged %s file(s) of %s into %s", files, prefix, folder / subdir)
            if self.input_uri:
                download(store, listing_manifest(self.input_uri, self.aws_conn_id), folder)
            env["INPUT1_STAGING_DIR"] = str(folder)
        return env

    def _program(self, store: StagingStore, work: Path, env: dict[str, str]) -> list[str]:
        if self.command is not None:
            return ["bash", "-c", self.command, self.task_id]
        if self.script is not None:
            return program_argv(Path(self.script))
        if self.script_uri is not None:
            target = work / "script" / local_name(Part(self.script_uri, 0, 0))
            download(store, listing_manifest(self.script_uri, self.aws_conn_id), target.parent)
            return program_argv(target)
        assert self.script_directory is not None and self.script_name is not None
        number = 2 if "INPUT1_STAGING_DIR" in env else 1
        folder = work / f"input{number}"
        shutil.copytree(self.script_directory, folder)
        env[f"INPUT{number}_STAGING_DIR"] = str(folder)
        return program_argv(_safe_target(folder, self.script_name))

    def _publish(self, store: StagingStore, output: Path) -> dict[str, Any]:
        assert self.output_prefix is not None
        folders = {n: output / n for n in self.output_nodes} or {"": output}
        result = {}
        for node, folder in folders.items():
            prefix = f"{self.output_prefix}/{node}" if node else self.output_prefix
            attempt = f"attempt-{uuid.uuid4().hex[:12]}"
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            parts = [
                stage_file(store, prefix, f, f.relative_to(folder).as_posix(), attempt)
                for f in files
                if not f.name.startswith(".")
            ]
            manifest = commit_parts(store, prefix, parts, attempt)
            uri = store.uri(prefix)
            log.info("Uploaded %s file(s), %s rows, to %s", len(parts), manifest.rows, uri)
            result[node or "output"] = {"files": len(parts), "rows": manifest.rows}
            if self.output_path:
                target = f"{self.output_path.rstrip('/')}/{node}" if node else self.output_path
                copied = copy_staged(store, manifest, target, self.aws_conn_id)
                log.info("Copied to output_path %s", copied)
        return result
