"""Reading YAML: safe loading, positions, and the documents it refuses."""

from __future__ import annotations

import pytest

from airflow_dataduct.errors import DefinitionError
from airflow_dataduct.model.yaml_source import MAX_NODES, load_yaml_text


def test_positions_are_recorded_for_keys_and_values() -> None:
    data, source = load_yaml_text("name: x\nsteps:\n-   step_type: extract-rds\n    sql: q\n", "f")
    assert data["steps"][0]["sql"] == "q"
    assert source.locate(("steps", 0, "sql")).line == 4
    assert source.locate(("steps", 0, "sql")).column == 5


def test_unknown_path_falls_back_to_closest_ancestor() -> None:
    _, source = load_yaml_text("name: x\nsteps:\n-   a: 1\n", "f")
    assert source.locate(("steps", 0, "nope", 3)).line == 3


def test_load_time_twelve_oclock_is_read_as_sexagesimal_minutes() -> None:
    data, _ = load_yaml_text("a: 12:00\nb: 01:00\n", "f")
    assert data == {"a": 720, "b": "01:00"}


def test_anchors_and_merge_keys_resolve_with_positions() -> None:
    text = "variables:\n  base: &base {host_name: maestro}\nstep:\n  <<: *base\n  sql: q\n"
    data, source = load_yaml_text(text, "f")
    assert data["step"] == {"host_name": "maestro", "sql": "q"}
    assert source.locate(("step", "host_name")).line == 2


def test_duplicate_key_is_an_error_naming_both_lines() -> None:
    with pytest.raises(DefinitionError) as exc:
        load_yaml_text("name: a\nfrequency: daily\nname: b\n", "p.yaml")
    assert str(exc.value) == "p.yaml:3:1: duplicate key 'name' (first defined on line 1)"


def test_python_object_tags_are_refused() -> None:
    with pytest.raises(DefinitionError, match="could not determine a constructor"):
        load_yaml_text("name: !!python/object/apply:os.system ['true']\n", "f")


def test_syntax_error_names_line_and_column() -> None:
    with pytest.raises(DefinitionError) as exc:
        load_yaml_text("name: x\nsteps: [a, b\nother: 1\n", "f")
    assert exc.value.location.line == 3
    assert "invalid YAML" in exc.value.message


def test_exploding_anchors_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    with pytest.raises(DefinitionError, match=f"more than {MAX_NODES} values"):
        load_yaml_text("\n".join(lines), "f")


def test_empty_document_is_none() -> None:
    assert load_yaml_text("", "f")[0] is None
