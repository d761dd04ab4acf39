"""Fixtures shared by the unit tests of the staging writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_dataduct.staging.store import LocalStagingStore


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A staging root folder (not created yet)."""
    return tmp_path / "staging"


@pytest.fixture
def store(root: Path) -> LocalStagingStore:
    """A local store that gzips its parts, as S3 staging does (local staging does not)."""
    store = LocalStagingStore(root)
    store.part_compression = "gzip"
    return store
