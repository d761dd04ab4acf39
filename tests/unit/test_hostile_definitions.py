"""Hostile definitions: each malformed file gives ONE clear error with its file, line and
column, the loader never crashes, and a broken file never stops the others from loading."""

from __future__ import annotations

import re
import shutil
import string
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.factory.loader import INTERNAL_ERROR, scan
from airflow_dataduct.model.pipeline import read_pipeline
from airflow_dataduct.model.yaml_source import MAX_BYTES, MAX_NODES

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
EXPECT = re.compile(rb"^# expect: (\d+):(\d+): (.+)$", re.MULTILINE)
GOOD = """name: good
steps:
-   step_type: primary-key-check
    table_definition: tables/good.sql
"""


def hostile_files() -> list[Path]:
    return sorted(p for p in HOSTILE.glob("*.yaml") if p.name != "dataduct.yaml")


def test_the_hostile_corpus_has_at_least_fifty_files() -> None:
    assert len(hostile_files()) >= 50


@pytest.mark.parametrize("path", hostile_files(), ids=lambda p: p.stem)
def test_hostile_definition_gives_one_error_at_file_line_and_column(path: Path) -> None:
    (line, column, message), *more = EXPECT.findall(path.read_bytes())
    assert not more
    with pytest.raises(DefinitionErrors) as exc:
        read_pipeline(path, open_definitions(HOSTILE))
    (error,) = exc.value.errors
    assert error.location.path == str(path)
    assert (error.location.line, error.location.column) == (int(line), int(column))
    assert message.decode() in error.message


def definitions_folder(tmp: Path) -> Path:
    """A folder with the hostile files, their tables and config, and one good pipeline."""
    folder = tmp / "defs"
    shutil.copytree(HOSTILE, folder)
    (folder / "good.yaml").write_text(GOOD)
    return folder


def test_scan_reports_every_hostile_file_and_still_loads_the_good_one(tmp_path: Path) -> None:
    folder = definitions_folder(tmp_path)
    result = scan(folder)
    assert [p.name for p in result.pipelines] == ["good"]
    reported = {Path(e.location.path).name for e in result.errors}
    assert reported == {p.name for p in hostile_files()}
    assert not any(INTERNAL_ERROR in e.message for e in result.errors)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "1:1: expected a mapping with 'name' and 'steps'"),
        (b"name: x\nsteps:\n" + b"- " + b"a" * (MAX_BYTES + 1), "1:1: file too large"),
        (
            b"name: x\nsteps: [" + b"1, " * (MAX_NODES + 10) + b"]\n",
            f"more than {MAX_NODES} values",
        ),
        (b"\xff\xfe" + "name: x\n".encode("utf-16-le"), "1:1: not UTF-8 text: byte 0xff"),
    ],
    ids=["empty", "too-large", "too-many-values", "utf16-bom"],
)
def test_generated_hostile_files_give_one_located_error(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    with pytest.raises(DefinitionErrors) as exc:
        read_pipeline(path, open_definitions(HOSTILE))
    (error,) = exc.value.errors
    assert expected in str(error)
    assert str(error).startswith(f"{path}:")


KEYS = [
    "name", "steps", "step_type", "frequency", "load_time", "sql", "table", "host_name",
    "table_definition", "source", "destination", "depends_on", "input_node", "tolerance",
    "max_retries", "source_host", "source_sql", "destination_sql", "<<", "variables",
]  # fmt: skip
STEP_TYPES = ["extract-rds", "create-load-redshift", "upsert", "primary-key-check", "count-check"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.sampled_from([*STEP_TYPES, "tables/good.sql", "maestro", "daily", "12:00", "*a", "&a"]),
    st.text(max_size=20),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)
fragments = st.lists(
    st.sampled_from(
        ["name: p\n", "steps:\n", "-   ", "    ", "step_type: ", "primary-key-check\n", "&a ",
         "*a\n", "[", "]", "{", "}", ": ", "- ", "!!python/object:os.system ", "!!binary ",
         "\t", "'", '"', "\\", "\x00", "\ufeff", "%YAML 1.1\n", "---\n", "...\n", "? ", "<<: ",
         "|\n", ">-\n", "#", "\n"]
    ) | st.text(string.printable, max_size=5),
    max_size=40,
).map("".join)  # fmt: skip


def _scan_one(body: bytes) -> None:
    """Scan a folder holding ``body`` and a good pipeline: only located, project errors, and
    the good pipeline loads."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy(HOSTILE / "dataduct.yaml", folder)
        shutil.copytree(HOSTILE / "tables", folder / "tables")
        (folder / "a_random.yaml").write_bytes(body)
        (folder / "good.yaml").write_text(GOOD)
        result = scan(folder)
    assert "good" in [p.name for p in result.pipelines]
    for error in result.errors:
        assert INTERNAL_ERROR not in error.message, error
        assert error.location.path.endswith("a_random.yaml")


@settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(documents)
def test_random_yaml_documents_never_crash_the_loader(document: object) -> None:
    body = "# random\n" + yaml.safe_dump({"name": "r", "steps": [document]}, allow_unicode=True)
    _scan_one(body.encode("utf-8", "surrogatepass"))


@settings(
    max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(documents)
def test_random_top_level_documents_never_crash_the_loader(document: object) -> None:
    _scan_one(yaml.safe_dump(document, allow_unicode=True).encode("utf-8", "surrogatepass"))


@settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.one_of(fragments.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary()))
def test_random_text_and_bytes_never_crash_the_loader(body: bytes) -> None:
    _scan_one(body)
