"""Local staging: every folder it creates is owner-only, and ``remove_prefix`` deletes exactly
one step's output (manifest and every attempt)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.staging.writer import StagedWriter


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def stage(store: LocalStagingStore, prefix: str) -> None:
    with StagedWriter(store, prefix, 1 << 20, ("a",)) as writer:
        writer.write(b"1\n", 1)


def test_every_created_folder_and_file_is_owner_only(tmp_path: Path, open_umask: None) -> None:
    root = tmp_path / "staging"
    stage(LocalStagingStore(root), "dag/run/step")
    created = [root, *root.rglob("*")]
    assert len(created) >= 6
    for path in created:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (str(path), oct(mode))


def test_remove_prefix_deletes_one_step_output_and_nothing_else(tmp_path: Path) -> None:
    store = LocalStagingStore(tmp_path)
    for prefix in ("dag/run/extract", "dag/run/other", "dag/run/extract2"):
        stage(store, prefix)
    stage(store, "dag/run/extract")  # a second attempt
    store.remove_prefix("dag/run/extract")
    assert not (tmp_path / "dag/run/extract").exists()
    assert store.read_manifest("dag/run/other").rows == 1
    assert store.read_manifest("dag/run/extract2").rows == 1
    store.remove_prefix("dag/run/never-staged")
