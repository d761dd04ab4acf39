"""``airflow-dataduct schema``: JSON Schemas that editors use, checked with ``jsonschema``."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from airflow_dataduct.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "tests" / "fixtures" / "dataduct_examples"
DEFINITIONS = ROOT / "dag_definitions"


def schema(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["schema", *args]) == 0
    return json.loads(capsys.readouterr().out)


def as_editor_reads(path: Path) -> Any:
    """A YAML file as JSON data (dates as text, as a YAML editor sees them)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))


def pipelines(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if p.name != "dataduct.yaml")


@pytest.mark.parametrize(
    ("args", "shipped"), [((), "pipeline.schema.json"), (("--config",), "config.schema.json")]
)
def test_the_shipped_schemas_are_what_the_command_prints(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], shipped: str
) -> None:
    assert main(["schema", *args]) == 0
    printed = capsys.readouterr().out
    assert (ROOT / "schemas" / shipped).read_text() == printed, (
        f"schemas/{shipped} is stale: airflow-dataduct schema {' '.join(args)} > schemas/{shipped}"
    )


def test_schemas_are_draft_2020_12_with_descriptions_and_allowed_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pipeline = schema(capsys)
    Draft202012Validator.check_schema(pipeline)
    assert pipeline["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "daily" in pipeline["properties"]["frequency"]["enum"]
    upsert = pipeline["$defs"]["Step_upsert"]
    assert upsert["description"].startswith("``upsert``: merge a source")
    assert upsert["properties"]["depends_on"]["description"].startswith("Step name(s)")
    load = pipeline["$defs"]["Step_load_redshift"]["properties"]["insert_mode"]
    assert load["enum"] == ["TRUNCATE", "APPEND", "KEEP_EXISTING", "OVERWRITE_EXISTING"]
    config = schema(capsys, "--config")
    Draft202012Validator.check_schema(config)
    qa = config["$defs"]["QaConfig"]["properties"]["on_failure"]
    assert qa["enum"] == ["fail", "warn"] and "warn" in qa["description"]


def test_every_dataduct_example_and_committed_definition_passes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for folder in (EXAMPLES, DEFINITIONS, DEFINITIONS / "custom_steps"):
        validator = Draft202012Validator(schema(capsys, "--definitions", str(folder)))
        for path in pipelines(folder):
            assert not list(validator.iter_errors(as_editor_reads(path))), path
        config = Draft202012Validator(schema(capsys, "--config"))
        assert not list(config.iter_errors(as_editor_reads(folder / "dataduct.yaml"))), folder


def test_the_builtin_schema_refuses_a_custom_step_type_it_does_not_know(
    capsys: pytest.CaptureFixture[str],
) -> None:
    validator = Draft202012Validator(schema(capsys))
    data = as_editor_reads(EXAMPLES / "example_custom_extract_local.yaml")
    assert list(validator.iter_errors(data))


def mistakes() -> list[tuple[str, Any]]:
    upsert = as_editor_reads(EXAMPLES / "example_upsert.yaml")
    misspelt, unknown, wrong = (copy.deepcopy(upsert) for _ in range(3))
    misspelt["steps"][2]["destinaton"] = misspelt["steps"][2].pop("destination")
    unknown["steps"][0]["step_type"] = "extract-locale"
    wrong["steps"][2]["enforce_primary_key"] = "sometimes"
    top = copy.deepcopy(upsert)
    top["frequncy"] = "daily"
    return [("misspelt step key", misspelt), ("unknown step type", unknown),
            ("wrong-typed value", wrong), ("misspelt pipeline key", top)]  # fmt: skip


@pytest.mark.parametrize(("case", "data"), mistakes(), ids=[c for c, _ in mistakes()])
def test_a_mistake_fails_the_pipeline_schema(
    capsys: pytest.CaptureFixture[str], case: str, data: Any
) -> None:
    validator = Draft202012Validator(schema(capsys))
    assert list(validator.iter_errors(data)), case


def test_a_mistake_fails_the_config_schema(capsys: pytest.CaptureFixture[str]) -> None:
    validator = Draft202012Validator(schema(capsys, "--config"))
    config = as_editor_reads(DEFINITIONS / "dataduct.yaml")
    assert not list(validator.iter_errors(config))
    config["defaults"]["retrys"] = 1
    config["qa"]["on_failure"] = "maybe"
    messages = sorted(e.message for e in validator.iter_errors(config))
    assert any("retrys" in m for m in messages) and any("maybe" in m for m in messages)
