"""The PostgreSQL extract's pipe: COPY output written record by record comes out as batches of
whole records with exact row counts; a staging failure is raised after the COPY, never a hang."""

from __future__ import annotations

import pytest

from airflow_dataduct.sources.postgres import _PipedBatches


class RecordingWriter:
    """Stands in for StagedWriter: keeps what it is given (no database involved)."""

    def __init__(self, fail_after: int | None = None) -> None:
        self.batches: list[tuple[bytes, int]] = []
        self.fail_after = fail_after

    def write(self, records: bytes, rows: int) -> None:
        if self.fail_after is not None and len(self.batches) >= self.fail_after:
            raise OSError("disk full")
        self.batches.append((records, rows))


def test_records_written_one_by_one_are_staged_whole_with_their_row_counts() -> None:
    writer = RecordingWriter()
    batches = _PipedBatches(writer)  # type: ignore[arg-type]
    records = [b"%d\tname %d\\nsecond line\t\\N\n" % (n, n) for n in range(200_000)]
    for record in records:
        batches.sink.write(record)
    batches.close()
    staged = b"".join(data for data, _ in writer.batches)
    assert staged == b"".join(records).replace(b"\\n", b"\\\n")  # PostgreSQL's \n rewritten
    assert sum(rows for _, rows in writer.batches) == len(records)
    assert len(writer.batches) > 1, "staged in several batches, not all at once"
    assert all(data.endswith(b"\n") for data, _ in writer.batches)


def test_a_staging_failure_is_raised_after_the_copy_without_blocking_it() -> None:
    batches = _PipedBatches(RecordingWriter(fail_after=1))  # type: ignore[arg-type]
    for _ in range(100_000):  # ~5 MiB: far more than a pipe holds
        batches.sink.write(b"x" * 50 + b"\n")
    with pytest.raises(OSError, match="disk full"):
        batches.close()


def test_output_ending_inside_a_record_is_an_error_unless_the_copy_failed() -> None:
    cut = _PipedBatches(RecordingWriter())  # type: ignore[arg-type]
    cut.sink.write(b"1\tcomplete\n2\tcut")
    with pytest.raises(ValueError, match="middle of a record"):
        cut.close()
    after_copy_error = _PipedBatches(RecordingWriter())  # type: ignore[arg-type]
    after_copy_error.sink.write(b"1\tcut")
    after_copy_error.close(raise_error=False)  # the COPY's own error is the one reported
    assert isinstance(after_copy_error._error, ValueError)
