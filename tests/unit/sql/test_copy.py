"""Redshift COPY options follow what was staged: NULL marker and compression."""

from __future__ import annotations

import pytest

from airflow_dataduct.connections.warehouse import copy_options_for
from airflow_dataduct.sql.copy import CopyOptions
from airflow_dataduct.staging.dataduct_tsv import FORMAT_NAME as DATADUCT_TSV
from airflow_dataduct.staging.manifest import Manifest, Part


def manifest(*names: str, fmt: str | None = None, compression: str = "auto") -> Manifest:
    parts = tuple(Part(n, 1, 1) for n in names)
    extra = {"format": fmt} if fmt else {}
    return Manifest("p", parts, len(parts), compression=compression, **extra)


def test_interchange_parts_load_with_backslash_n_nulls_and_gzip() -> None:
    options = copy_options_for(manifest("a.tsv.gz", compression="gzip"), None)
    assert "GZIP" in options.clause() and "NULL AS '\\\\N'" in options.clause()


def test_dataduct_tsv_parts_load_with_the_literal_null_marker() -> None:
    options = copy_options_for(manifest("data.tsv", fmt=DATADUCT_TSV), CopyOptions(max_errors=3))
    clause = options.clause()
    assert "NULL AS 'NULL'" in clause and "MAXERROR 3" in clause
    assert not clause.startswith("GZIP")


def test_mixed_compression_is_refused() -> None:
    with pytest.raises(ValueError, match="mix gzip and plain files"):
        copy_options_for(manifest("a.gz", "b.tsv"), None)
