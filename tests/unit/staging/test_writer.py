"""``splits`` on extract-rds: the staged writer deals whole records over N parts of nearly equal
row counts while streaming; splits=1 stays as it was; bad values are validation errors."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from pathlib import Path

import pytest

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.dag import build_dag
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.factory.loader import scan
from airflow_dataduct.model.pipeline import Pipeline, read_pipeline
from airflow_dataduct.staging.manifest import Manifest
from airflow_dataduct.staging.store import LocalStagingStore
from airflow_dataduct.staging.writer import MAX_SPLITS, StagedWriter, check_splits, split_records

ROOT = Path(__file__).resolve().parents[3]
BROKEN = ROOT / "tests" / "fixtures" / "broken"
PREFIX = "split/run/extract"
HOSTILE = [
    b"1\ta\\\nb\t\\N",  # an escaped line feed inside a value
    b"2\tends in a backslash\\\\",  # an escaped backslash, then the record's own line feed
    b"3\t\\\\\\\nafter\t",  # backslash pair, then an escaped line feed
    b"4\t\\\t\t\\N",
]


def numbered(start: int, count: int) -> list[bytes]:
    return [b"%d\tuser %d\t\\N" % (n, n) for n in range(start, start + count)]


def batch(records: list[bytes]) -> bytes:
    return b"".join(r + b"\n" for r in records)


def stage(
    store: LocalStagingStore, batches: list[list[bytes]], splits: int, part_size: int = 1 << 20
) -> Manifest:
    with StagedWriter(store, PREFIX, part_size, ("id", "name", "email"), splits) as writer:
        for records in batches:
            writer.write(batch(records), len(records))
    assert writer.manifest is not None
    return writer.manifest


def part_bytes(root: Path, manifest: Manifest) -> list[bytes]:
    return [gzip.decompress((root / PREFIX / p.name).read_bytes()) for p in manifest.parts]


# -- dealing records over splits --------------------------------------------------------------


def test_rows_are_dealt_over_n_parts_whose_row_counts_differ_by_at_most_one(
    store: LocalStagingStore, root: Path
) -> None:
    batches = [numbered(0, 7), numbered(7, 1), numbered(8, 13), numbered(21, 2), numbered(23, 5)]
    manifest = stage(store, batches, splits=4)

    counts = [p.rows for p in manifest.parts]
    assert len(counts) == 4
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == manifest.rows == 28
    assert [data.count(b"\n") for data in part_bytes(root, manifest)] == counts


def test_every_record_lands_in_exactly_one_part_intact(
    store: LocalStagingStore, root: Path
) -> None:
    records = HOSTILE + numbered(10, 50) + HOSTILE[::-1]
    manifest = stage(store, [records[:9], records[9:40], records[40:]], splits=3)

    staged = [
        record
        for part, data in zip(manifest.parts, part_bytes(root, manifest), strict=True)
        for record in split_records(data, part.rows)
    ]
    assert Counter(staged) == Counter(records)


def test_a_split_rolls_over_into_more_parts_at_the_part_size(
    store: LocalStagingStore, root: Path
) -> None:
    records = numbered(1000, 300)  # 20 bytes a record, 6000 bytes in all
    manifest = stage(store, [records[i : i + 30] for i in range(0, 300, 30)], 2, part_size=1000)

    assert len(manifest.parts) > 2
    assert sum(p.rows for p in manifest.parts) == 300
    # a part closes after the write that reaches the part size: at most one run (15 rows) over
    assert all(len(data) < 1000 + 15 * 20 for data in part_bytes(root, manifest))
    assert Counter(r for d in part_bytes(root, manifest) for r in d.splitlines()) == Counter(
        records
    )


def test_fewer_rows_than_splits_gives_one_part_per_row(
    store: LocalStagingStore, root: Path
) -> None:
    manifest = stage(store, [numbered(0, 2)], splits=5)

    assert [p.rows for p in manifest.parts] == [1, 1]
    assert sorted(part_bytes(root, manifest)) == [batch(numbered(0, 1)), batch(numbered(1, 1))]


def test_an_empty_source_commits_one_empty_part_that_loads_no_rows(
    store: LocalStagingStore, root: Path
) -> None:
    manifest = stage(store, [], splits=4)

    assert manifest.rows == 0
    assert [(p.rows, p.name.endswith("part-00000.tsv.gz")) for p in manifest.parts] == [(0, True)]
    assert part_bytes(root, manifest) == [b""]
    assert b"".join(store.iter_records(store.read_manifest(PREFIX))) == b""


def test_a_failed_split_extract_leaves_no_parts(store: LocalStagingStore, root: Path) -> None:
    with pytest.raises(RuntimeError), StagedWriter(store, PREFIX, 1 << 20, (), 3) as writer:
        writer.write(batch(numbered(0, 9)), 9)
        raise RuntimeError("source lost")

    assert not (root / PREFIX).exists() or not list((root / PREFIX).rglob("*.gz"))


# -- splits=1 is unchanged ------------------------------------------------------------------


def test_one_split_stages_the_records_in_order_exactly_as_before(
    store: LocalStagingStore, root: Path
) -> None:
    records = HOSTILE + numbered(0, 100)
    manifest = stage(store, [records[:50], records[50:]], splits=1)

    expected = io.BytesIO()
    with gzip.GzipFile("part", mode="wb", compresslevel=1, fileobj=expected, mtime=0) as gz:
        gz.write(batch(records[:50]))
        gz.write(batch(records[50:]))
    [part] = manifest.parts
    assert part.name.endswith("/part-00000.tsv.gz")
    assert (root / PREFIX / part.name).read_bytes() == expected.getvalue()


def test_one_split_of_an_empty_source_still_has_no_parts(store: LocalStagingStore) -> None:
    assert stage(store, [], splits=1).parts == ()


def test_one_split_does_not_parse_records(store: LocalStagingStore, root: Path) -> None:
    # splits=1 writes what it is given, as before (a row count it cannot check is kept).
    manifest = stage(store, [[b"a\\", b"b"]], splits=1)
    assert part_bytes(root, manifest) == [b"a\\\nb\n"]


# -- record parsing and limits --------------------------------------------------------------


def test_split_records_finds_escaped_line_feeds_inside_records() -> None:
    assert split_records(batch(HOSTILE), 4) == HOSTILE


def test_split_records_rejects_a_wrong_row_count_or_a_cut_record() -> None:
    with pytest.raises(ValueError, match="holds 2 records"):
        split_records(b"a\nb\n", 3)
    with pytest.raises(ValueError, match="end with a line feed"):
        split_records(b"a\nb", 2)
    with pytest.raises(ValueError, match="not a sequence of whole records"):
        split_records(b"a\\\n", 1)  # the only line feed is escaped: the record is cut


def test_a_split_writer_refuses_a_cut_record(store: LocalStagingStore) -> None:
    with pytest.raises(ValueError), StagedWriter(store, PREFIX, 1 << 20, (), 2) as writer:
        writer.write(b"1\ta\\\n", 1)


@pytest.mark.parametrize("value", [0, -1, MAX_SPLITS + 1, "x"])
def test_out_of_range_splits_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        check_splits(value)  # type: ignore[arg-type]


def test_templated_splits_text_is_read_as_a_number() -> None:
    assert check_splits("8") == 8


# -- validation -----------------------------------------------------------------------------

PIPELINE = """name: split_users
steps:
-   step_type: extract-rds
    sql: SELECT id FROM users
    host_name: maestro
    splits: {value}
"""


def read(text: str, tmp_path: Path) -> tuple[Pipeline, Path]:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return read_pipeline(path, open_definitions(BROKEN)), path


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "key 'splits': input should be greater than or equal to 1 (got 0)"),
        ("x", "key 'splits': expected an integer, got 'x'"),
        (str(MAX_SPLITS + 1), f"less than or equal to {MAX_SPLITS}"),
        ("true", "key 'splits': expected an integer"),
    ],
)
def test_bad_splits_is_an_error_naming_file_line_and_key(
    value: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(DefinitionErrors) as exc:
        read(PIPELINE.format(value=value), tmp_path)
    [error] = exc.value.errors
    assert (error.location.path, error.location.line, error.location.column) == (
        str(tmp_path / "p.yaml"),
        6,
        13,
    )
    assert message in error.message


def test_splits_is_read_into_the_step_and_defaults_to_one(tmp_path: Path) -> None:
    pipeline, _ = read(PIPELINE.format(value=12), tmp_path)
    assert pipeline.steps[0].params.splits == 12  # type: ignore[attr-defined]
    pipeline, _ = read(PIPELINE.replace("    splits: {value}\n", ""), tmp_path)
    assert pipeline.steps[0].params.splits == 1  # type: ignore[attr-defined]


def test_extract_postgres_has_no_splits(tmp_path: Path) -> None:
    text = "name: p\nsteps:\n-   step_type: extract-postgres\n    table: users\n    splits: 2\n"
    with pytest.raises(DefinitionErrors) as exc:
        read(text, tmp_path)
    assert any("splits" in e.message for e in exc.value.errors)


def test_the_extract_task_gets_splits_as_a_templated_field(tmp_path: Path) -> None:
    (tmp_path / "dataduct.yaml").write_text("hosts: {maestro: conn}\n")
    (tmp_path / "p.yaml").write_text(PIPELINE.format(value=6))
    result = scan(tmp_path)
    assert not result.errors
    task = build_dag(result.pipelines[0], open_definitions(tmp_path)).get_task("ExtractRdsStep0")
    assert task.splits == 6  # type: ignore[attr-defined]
    assert "splits" in task.template_fields
