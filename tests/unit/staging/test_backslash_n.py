"""The staged writer counts fields holding exactly the text ``\\N`` (which Redshift's COPY
cannot tell from NULL), precisely through every escape, and the manifest keeps the count
(manifests written before it read as 0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_dataduct.staging import writer as writer_module
from airflow_dataduct.staging.interchange import format_rows
from airflow_dataduct.staging.manifest import MANIFEST, Manifest, Part
from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.staging.writer import StagedWriter, count_backslash_n

PREFIX = "users/run/extract"


@pytest.mark.parametrize(
    ("rows", "count"),
    [
        ([("\\N",)], 1),  # the text \N alone
        ([(1, "\\N", None)], 1),  # between fields; NULL (\N) is not counted
        ([("\\N", "\\N"), ("\\N", 2)], 3),  # first and last fields, several records
        ([(None,), ("N",), ("\\",), ("",)], 0),  # NULL, N, a backslash, empty
        ([("\\\\N",), ("x\\N",), ("\\Nx",), ("\\N\\",)], 0),  # \N inside longer texts
        ([("a\t\\N",), ("b\n\\N",), ("c\\\t\\N",)], 0),  # after an escaped TAB or LF
        ([("ends\\", "\\N"), ("ends\\\\", "\\N")], 2),  # after fields ending in backslashes
    ],
)
def test_count_backslash_n_counts_exactly_the_fields_holding_the_text(
    rows: list[tuple[object, ...]], count: int
) -> None:
    assert count_backslash_n(format_rows(rows)) == count


def test_records_without_the_escaped_backslash_n_are_not_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Parser:
        def finditer(self, records: bytes) -> list[object]:
            raise AssertionError("parsed")

    monkeypatch.setattr(writer_module, "_BACKSLASH_N_FIELD", Parser())
    assert count_backslash_n(format_rows([(1, None, "plain \\ text", "N")] * 100)) == 0
    with pytest.raises(AssertionError, match="parsed"):
        count_backslash_n(format_rows([("\\N",)]))


def test_the_writer_records_the_count_in_the_manifest_whatever_the_splits(
    store: LocalStagingStore,
) -> None:
    rows = [(n, "\\N" if n % 3 == 0 else f"user {n}", None) for n in range(30)]
    for splits in (1, 4):
        with StagedWriter(store, PREFIX, 1 << 20, ("id", "name", "x"), splits) as writer:
            writer.write(format_rows(rows[:17]), 17)
            writer.write(format_rows(rows[17:]), 13)
        assert writer.manifest is not None and writer.manifest.backslash_n_values == 10
        assert store.read_manifest(PREFIX).backslash_n_values == 10


def test_a_manifest_round_trips_the_count_and_an_older_one_reads_as_zero(
    store: LocalStagingStore, root: Path
) -> None:
    part = Part("attempt-1/part-00000.tsv", 2, 10)
    manifest = Manifest(PREFIX, (part,), 2, ("a",), backslash_n_values=2)
    assert Manifest.from_json(manifest.to_json()) == manifest
    older = json.loads(manifest.to_json())
    del older["backslash_n_values"]
    (root / PREFIX).mkdir(parents=True)
    (root / PREFIX / MANIFEST).write_text(json.dumps(older))
    assert store.read_manifest(PREFIX).backslash_n_values == 0
