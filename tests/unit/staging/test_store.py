"""The local staging store: gzip parts of bounded size, an atomically published manifest, and
attempts that never mix (a failed one leaves the last committed output as it was)."""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_dataduct.staging.interchange import FORMAT_NAME
from airflow_dataduct.staging.manifest import MANIFEST, Manifest, path_safe, step_prefix
from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.staging.writer import StagedWriter

PREFIX = "users_pipeline/manual__2026-11-26T05_02_51/extract"
COLUMNS = ("id", "email")


def record_batch(start: int, rows: int) -> bytes:
    """``rows`` interchange records of exactly 20 bytes each."""
    return b"".join(b"%08d\tuser%06d\n" % (n, n) for n in range(start, start + rows))


def attempt_dirs(root: Path, prefix: str = PREFIX) -> list[str]:
    return sorted(p.name for p in (root / prefix).glob("attempt-*"))


def read_part(root: Path, prefix: str, name: str) -> bytes:
    with gzip.open(root / prefix / name, "rb") as part:
        return part.read()


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def write_committed(store: LocalStagingStore, batches: list[bytes], part_size: int) -> Manifest:
    with StagedWriter(store, PREFIX, part_size, COLUMNS) as writer:
        for batch in batches:
            writer.write(batch, batch.count(b"\n"))
    assert writer.manifest is not None
    return writer.manifest


# -- parts ----------------------------------------------------------------------------------


def test_parts_roll_over_at_part_size_and_hold_exactly_what_was_written(
    store: LocalStagingStore, root: Path
) -> None:
    # 2 records (40 bytes) a batch, part_size 100: a part closes after the batch reaching 100.
    batches = [record_batch(2 * i, 2) for i in range(7)]
    assert all(len(b) == 40 for b in batches)
    manifest = write_committed(store, batches, part_size=100)

    assert [p.rows for p in manifest.parts] == [6, 6, 2]
    assert manifest.rows == 14
    expected = [b"".join(batches[0:3]), b"".join(batches[3:6]), batches[6]]
    for part, content in zip(manifest.parts, expected, strict=True):
        assert re.fullmatch(r"attempt-[0-9a-f]{12}/part-\d{5}\.tsv\.gz", part.name)
        path = root / PREFIX / part.name
        assert path.read_bytes()[:2] == b"\x1f\x8b"  # gzip magic
        assert part.bytes == path.stat().st_size
        assert read_part(root, PREFIX, part.name) == content
    assert [p.name.rsplit("/", 1)[1] for p in manifest.parts] == [
        "part-00000.tsv.gz",
        "part-00001.tsv.gz",
        "part-00002.tsv.gz",
    ]
    assert b"".join(store.iter_records(manifest, chunk_size=7)) == b"".join(batches)


def test_local_staging_keeps_parts_uncompressed(root: Path) -> None:
    batches = [record_batch(0, 3), record_batch(3, 2)]
    manifest = write_committed(LocalStagingStore(root), batches, part_size=1 << 20)
    assert manifest.compression == "none"
    [part] = manifest.parts
    assert part.name.endswith("/part-00000.tsv")
    assert (root / PREFIX / part.name).read_bytes() == b"".join(batches)
    assert b"".join(LocalStagingStore(root).iter_records(manifest)) == b"".join(batches)


def test_batch_landing_exactly_on_part_size_closes_the_part(store: LocalStagingStore) -> None:
    batches = [record_batch(0, 5), record_batch(5, 5)]  # 100 bytes each
    manifest = write_committed(store, batches, part_size=100)
    assert [p.rows for p in manifest.parts] == [5, 5]


def test_a_batch_larger_than_part_size_is_never_split(store: LocalStagingStore, root: Path) -> None:
    big = record_batch(0, 50)  # 1000 bytes
    manifest = write_committed(store, [big, record_batch(50, 1)], part_size=100)
    assert [p.rows for p in manifest.parts] == [50, 1]
    assert read_part(root, PREFIX, manifest.parts[0].name) == big


# -- manifest -------------------------------------------------------------------------------


def test_read_manifest_returns_the_committed_rows_columns_and_parts(
    store: LocalStagingStore, root: Path
) -> None:
    written = write_committed(store, [record_batch(0, 3), record_batch(3, 4)], part_size=60)
    manifest = store.read_manifest(PREFIX)
    assert manifest == written
    assert manifest.rows == 7
    assert manifest.columns == COLUMNS
    assert manifest.prefix == PREFIX
    assert manifest.format == FORMAT_NAME
    assert manifest.compression == "gzip"
    assert [p.rows for p in manifest.parts] == [3, 4]
    # no temporary manifest left beside the real one
    assert sorted(p.name for p in (root / PREFIX).iterdir() if p.is_file()) == [MANIFEST]


def test_manifest_is_replaced_in_one_rename_of_a_complete_file(
    store: LocalStagingStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_committed(store, [record_batch(0, 2)], part_size=1000)
    real_replace = os.replace
    seen: list[tuple[Manifest, Manifest]] = []

    def spying_replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == root / PREFIX / MANIFEST:
            # at the moment of the swap: the live manifest is still the old one, and the new
            # one is already complete in a sibling file of the same folder
            assert Path(src).parent == Path(dst).parent
            seen.append(
                (
                    Manifest.from_json(Path(dst).read_text()),
                    Manifest.from_json(Path(src).read_text()),
                )
            )
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spying_replace)
    second = write_committed(store, [record_batch(10, 3)], part_size=1000)
    monkeypatch.undo()

    assert seen == [(first, second)]
    assert store.read_manifest(PREFIX) == second


def test_failed_manifest_publish_leaves_previous_manifest_and_parts_readable(
    store: LocalStagingStore, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write_committed(store, [record_batch(0, 2)], part_size=1000)

    def failing_replace(src: str | Path, dst: str | Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_committed(store, [record_batch(10, 3)], part_size=1000)
    monkeypatch.undo()

    assert store.read_manifest(PREFIX) == first
    assert b"".join(store.iter_records(first)) == record_batch(0, 2)


def test_read_manifest_of_missing_prefix_names_the_location(
    store: LocalStagingStore, root: Path
) -> None:
    with pytest.raises(FileNotFoundError) as info:
        store.read_manifest("dag/run/never_extracted")
    assert str(root / "dag/run/never_extracted") in str(info.value)
    assert "has not completed" in str(info.value)


def test_prefix_with_parts_but_no_manifest_is_not_staged(
    store: LocalStagingStore, root: Path
) -> None:
    stray = root / PREFIX / "attempt-000000000000" / "part-00000.tsv.gz"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(gzip.compress(record_batch(0, 1)))
    with pytest.raises(FileNotFoundError):
        store.read_manifest(PREFIX)


# -- attempts -------------------------------------------------------------------------------


def test_exception_in_writer_block_keeps_previous_commit_and_drops_the_attempt(
    store: LocalStagingStore, root: Path
) -> None:
    first_batches = [record_batch(0, 3), record_batch(3, 3)]
    first = write_committed(store, first_batches, part_size=60)
    first_files = {p.name: (root / PREFIX / p.name).read_bytes() for p in first.parts}
    (first_attempt,) = attempt_dirs(root)

    with (
        pytest.raises(RuntimeError, match="source went away"),
        StagedWriter(store, PREFIX, 60, COLUMNS) as failing,
    ):
        failing.write(record_batch(100, 3), 3)  # a complete part (60 bytes) is stored
        failing.write(record_batch(103, 1), 1)  # and a part is open
        assert (root / PREFIX / failing.attempt).is_dir()
        raise RuntimeError("source went away")

    assert failing.manifest is None
    assert not (root / PREFIX / failing.attempt).exists()
    assert attempt_dirs(root) == [first_attempt]
    assert store.read_manifest(PREFIX) == first
    for name, content in first_files.items():
        assert (root / PREFIX / name).read_bytes() == content
    assert b"".join(store.iter_records(first)) == b"".join(first_batches)


def test_second_successful_write_removes_the_previous_attempts_parts(
    store: LocalStagingStore, root: Path
) -> None:
    first = write_committed(store, [record_batch(0, 3), record_batch(3, 3)], part_size=60)
    second = write_committed(store, [record_batch(50, 2)], part_size=60)

    second_attempt = second.parts[0].name.split("/")[0]
    assert attempt_dirs(root) == [second_attempt]
    for part in first.parts:
        assert not (root / PREFIX / part.name).exists()
    assert store.read_manifest(PREFIX) == second
    assert b"".join(store.iter_records(second)) == record_batch(50, 2)


def test_empty_extract_commits_a_manifest_with_no_parts(
    store: LocalStagingStore, root: Path
) -> None:
    with StagedWriter(store, PREFIX, 100, COLUMNS):
        pass
    manifest = store.read_manifest(PREFIX)
    assert manifest.parts == ()
    assert manifest.rows == 0
    assert manifest.columns == COLUMNS
    assert list(store.iter_records(manifest)) == []
    assert attempt_dirs(root) == []


def test_empty_extract_replaces_an_earlier_non_empty_one(
    store: LocalStagingStore, root: Path
) -> None:
    write_committed(store, [record_batch(0, 2)], part_size=100)
    with StagedWriter(store, PREFIX, 100, COLUMNS):
        pass
    assert store.read_manifest(PREFIX).rows == 0
    assert attempt_dirs(root) == []


# -- permissions ----------------------------------------------------------------------------


@pytest.mark.usefixtures("umask_022")
def test_staged_parts_and_manifest_are_owner_only(store: LocalStagingStore, root: Path) -> None:
    manifest = write_committed(store, [record_batch(0, 5), record_batch(5, 5)], part_size=100)
    assert len(manifest.parts) == 2
    for part in manifest.parts:
        assert (root / PREFIX / part.name).stat().st_mode & 0o777 == 0o600
    assert (root / PREFIX / MANIFEST).stat().st_mode & 0o777 == 0o600


# -- path_safe / step_prefix ----------------------------------------------------------------

SAFE = re.compile(r"[A-Za-z0-9_.\-]+")


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        (
            "manual__2026-11-26T05:02:51.378042+00:00",
            "manual__2026-11-26T05_02_51.378042_00_00",
        ),
        ("scheduled__2026-01-01T00:00:00+00:00", "scheduled__2026-01-01T00_00_00_00_00"),
        ("../../etc", "etc"),
        ("..", "_"),
        (".", "_"),
        ("", "_"),
        ("/", "_"),
        ("my step name", "my_step_name"),
        ("café ünïcode", "caf_n_code"),
        ("Step-1.v2", "Step-1.v2"),
        ("a\x00b\nc", "a_b_c"),
    ],
)
def test_path_safe(text: str, safe: str) -> None:
    assert path_safe(text) == safe


@pytest.mark.parametrize(
    "text",
    ["../../etc", "..", "a/../../b", "/abs/path", "~root", "  ", "😀", "C:\\windows", ".hidden"],
)
def test_path_safe_is_always_one_harmless_component(text: str) -> None:
    safe = path_safe(text)
    assert SAFE.fullmatch(safe)
    assert safe not in (".", "..")
    assert not safe.startswith(".")


def test_step_prefix_is_three_components_under_the_root(tmp_path: Path) -> None:
    prefix = step_prefix("../../etc", "manual__2026-11-26T05:02:51.378042+00:00", "a/b c")
    assert prefix == "etc/manual__2026-11-26T05_02_51.378042_00_00/a_b_c"
    assert len(prefix.split("/")) == 3
    resolved = (tmp_path / prefix).resolve()
    assert resolved.is_relative_to(tmp_path.resolve())


def test_step_prefix_output_round_trips_through_the_store(
    store: LocalStagingStore, root: Path
) -> None:
    prefix = step_prefix("users", "manual__2026-11-26T05:02:51.378042+00:00", "ExtractRdsStep0")
    with StagedWriter(store, prefix, 100, COLUMNS) as writer:
        writer.write(record_batch(0, 1), 1)
    assert store.read_manifest(prefix).rows == 1
    assert (
        root / "users" / "manual__2026-11-26T05_02_51.378042_00_00" / "ExtractRdsStep0"
    ).is_dir()
