"""File and script steps: Dataduct TSV, step parameters, input/output nodes, dependencies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline, parse_pipeline
from airflow_dataduct.model.steps.files import argument_list
from airflow_dataduct.operators.dependencies import dependency_status
from airflow_dataduct.operators.transform import local_name
from airflow_dataduct.staging import dataduct_tsv
from airflow_dataduct.staging.manifest import Part


def convert(data: bytes) -> tuple[bytes, int]:
    out = list(dataduct_tsv.to_interchange([data]))
    return b"".join(d for d, _ in out), sum(n for _, n in out)


def test_example_file_reads_null_literal_as_null_and_empty_as_empty() -> None:
    data = Path("tests/fixtures/dataduct_examples/resources/data/test_table1.tsv").read_bytes()
    assert convert(data + b"\n") == (b"1\tthisis a roooow\n3\t\n4\t\\N\n", 3)


@pytest.mark.parametrize(
    ("dataduct", "interchange"),
    [
        (b"a\\NULL\tNULL\n", b"aNULL\t\\N\n"),  # an escaped NULL is the string
        (b"\\NULL\n", b"NULL\n"),
        (b"x\\Ny\n", b"xNy\n"),  # backslash + ordinary character = the character
        (b"tab\\\there\n", b"tab\\\there\n"),
        (b"line\\\nbreak\tz\n", b"line\\\nbreak\tz\n"),
        (b"back\\\\slash\n", b"back\\\\slash\n"),
        (b"crlf\r\n", b"crlf\n"),
        (b"\n\n1\n", b"1\n"),
        (b"last", b"last\n"),
    ],
)
def test_dataduct_tsv_to_interchange(dataduct: bytes, interchange: bytes) -> None:
    assert convert(dataduct)[0] == interchange


def test_records_split_across_chunks_are_whole() -> None:
    data = b"1\tab\\\ncd\n2\tNULL\n"
    for cut in range(1, len(data)):
        chunks = [data[:cut], data[cut:]]
        assert list(dataduct_tsv.iter_records(chunks)) == [b"1\tab\\\ncd", b"2\tNULL"]


def test_interchange_round_trips_through_dataduct_tsv() -> None:
    interchange = b"1\t\\N\tNULL\t\ta\\\tb\\\\c\\\nd\n"
    dataduct = b"".join(dataduct_tsv.from_interchange([interchange]))
    assert dataduct == b"1\tNULL\t\\NULL\t\ta\\\tb\\\\c\\\nd\n"
    assert convert(dataduct) == (interchange, 1)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (
            ["--input=INPUT1_STAGING_DIR", 4, {"day": "2026-01-01"}],
            ["--input=INPUT1_STAGING_DIR", "4", "--day=2026-01-01"],
        ),
        ({"a": 1, "b": True}, ["--a=1", "--b=true"]),
        ("-f", ["-f"]),
        (None, []),
    ],
)
def test_script_arguments_follow_dataduct_rules(arguments: object, words: list[str]) -> None:
    assert argument_list(arguments) == words


def test_part_names_become_file_names() -> None:
    assert local_name(Part("attempt-abc/part-00000.tsv.gz", 0, 0)) == "part-00000.tsv"
    assert local_name(Part("attempt-abc/sub/x.txt.gz", 0, 0)) == "sub/x.txt"
    assert local_name(Part("s3://b/samples/wordSplitter.py", 0, 0)) == "wordSplitter.py"


def read(tmp_path: Path, steps: str) -> Pipeline:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "a.tsv").write_text("1\n")
    (tmp_path / "run.sh").write_text("echo\n")
    (tmp_path / "t.sql").write_text("CREATE TABLE s.t (id INTEGER PRIMARY KEY);")
    config = DataductConfig()
    config._path = str(tmp_path / "dataduct.yaml")
    return parse_pipeline(f"name: p\nsteps:\n{steps}", tmp_path / "p.yaml", config)


def errors(tmp_path: Path, steps: str) -> list[str]:
    with pytest.raises(DefinitionErrors) as exc:
        read(tmp_path, steps)
    return [str(e) for e in exc.value.errors]


TWO_EXTRACTS = """\
-   {step_type: extract-local, name: a, path: data/a.tsv}
-   {step_type: extract-local, name: b, path: data/a.tsv}
"""


def test_input_node_map_gives_several_inputs(tmp_path: Path) -> None:
    steps = TWO_EXTRACTS + "-   {step_type: transform, command: x, input_node: {a: one, b: two}}\n"
    step = read(tmp_path, steps).step("TransformStep0")
    assert [(i.source, i.subdir) for i in step.inputs] == [("a", "one"), ("b", "two")]
    assert step.upstream == ("a", "b") and step.input_step is None


def test_output_nodes_are_inputs_of_later_steps(tmp_path: Path) -> None:
    steps = TWO_EXTRACTS + (
        "-   {step_type: transform, command: x, input_node: {a: n1, b: n2}, "
        "output_node: [n1, n2]}\n"
        "-   {step_type: transform, name: after, command: y}\n"
        "-   {step_type: transform, name: reader, command: z, input_node: n2}\n"
    )
    pipeline = read(tmp_path, steps)
    assert pipeline.output_nodes == {"n1": "TransformStep0", "n2": "TransformStep0"}
    assert pipeline.step("after").upstream == (), "a map of outputs does not chain"
    reader = pipeline.step("reader")
    assert reader.input_step == "n2" and reader.upstream == ("TransformStep0",)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ("-   {step_type: transform, command: x, script: run.sh}\n", "exactly one of"),
        ("-   {step_type: transform, script_name: a.py, command: x}\n", "script_name goes with"),
        ("-   {step_type: transform, script: missing.sh}\n", "script: file 'missing.sh' not found"),
        ("-   {step_type: transform, command: x, input_node: nope}\n", "no step or output node"),
        (
            TWO_EXTRACTS + "-   {step_type: transform, command: x, output_node: [a]}\n",
            "output_node 'a' is already a step name",
        ),
        (
            TWO_EXTRACTS + "-   {step_type: create-load-redshift, input_node: {a: x}, "
            "table_definition: t.sql}\n",
            "not supported by create-load-redshift",
        ),
        ("-   {step_type: extract-local, path: data/nope.tsv}\n", "path: file 'data/nope.tsv'"),
        (
            "-   {step_type: load-redshift, input_path: 's3://b/x', input_node: a, "
            "schema: s, table: t}\n",
            "give either input_node or input_path, not both",
        ),
        ("-   {step_type: extract-s3, file_uri: /tmp/x}\n", "expected an s3:// URI"),
        ("-   {step_type: extract-s3}\n", "exactly one of 'directory_uri', 'file_uri'"),
        ("-   {step_type: pipeline-dependencies, refresh_rate: 5}\n", "found neither"),
    ],
)
def test_bad_file_step_is_a_clear_error(tmp_path: Path, steps: str, message: str) -> None:
    assert any(message in e for e in errors(tmp_path, steps)), errors(tmp_path, steps)


def test_output_node_step_must_be_named_by_node(tmp_path: Path) -> None:
    steps = TWO_EXTRACTS + (
        "-   {step_type: transform, name: t, command: x, output_node: [n1]}\n"
        "-   {step_type: transform, command: y, input_node: t}\n"
    )
    assert any("writes output nodes (n1): name one" in e for e in errors(tmp_path, steps))


DAY = dt.date(2026, 3, 1)


def test_dependencies_wait_until_every_run_of_the_day_succeeded() -> None:
    states = {"a": ["success", "running"], "b": [], "c": ["success"]}
    waiting, failed = dependency_status(["a", "b", "c"], [], DAY, lambda d, _: states[d])
    assert (waiting, failed) == (["a", "b"], [])


def test_failed_dependency_fails_unless_ok_to_fail() -> None:
    states = {"a": ["success"], "f": ["failed"]}
    with pytest.raises(AirflowFailException, match="pipeline f has a failed run on 2026-03-01"):
        dependency_status(["a", "f"], [], DAY, lambda d, _: states[d])
    assert dependency_status(["a"], ["f"], DAY, lambda d, _: states[d]) == ([], ["f"])
