"""``staging.region``: the staging bucket's region for Redshift COPY/UNLOAD.

dataduct.yaml: Dataduct's modes, and paths with ``~`` and environment variables."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.model.config import DataductConfig, load_config, merge_mode


def test_staging_region_is_optional_and_validated() -> None:
    assert DataductConfig.model_validate({}).staging.region is None
    config = DataductConfig.model_validate({"staging": {"region": "eu-west-1"}})
    assert config.staging.region == "eu-west-1"
    with pytest.raises(ValidationError, match="region"):
        DataductConfig.model_validate({"staging": {"region": "Europe; DROP"}})


CONFIG = """\
staging:
  location: /tmp/base
defaults:
  retries: 1
  tags: [base]
modes:
  dev:
    defaults:
      frequency_override: one-time
  production:
    staging:
      location: s3://prod/data
    s3_base_path: prod
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dataduct.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_mode_updates_a_section_key_by_key_and_replaces_other_values() -> None:
    base = {"etl": {"A": 1, "B": 2}, "custom_steps": [1, 2], "x": 1}
    mode = {"etl": {"B": 3}, "custom_steps": [9]}
    assert merge_mode(base, mode) == {"etl": {"A": 1, "B": 3}, "custom_steps": [9], "x": 1}
    assert base == {"etl": {"A": 1, "B": 2}, "custom_steps": [1, 2], "x": 1}


def test_the_mode_named_by_the_environment_is_merged_over_the_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, CONFIG)
    monkeypatch.setenv("DATADUCT_MODE", "dev")
    dev = load_config(path)
    assert dev.mode == "dev"
    assert dev.defaults.frequency_override == "one-time"
    assert dev.defaults.retries == 1  # the rest of the section is kept
    monkeypatch.setenv("DATADUCT_MODE", "production")
    production = load_config(path)
    assert (production.staging.location, production.s3_base_path) == ("s3://prod/data", "prod")
    assert production.defaults.frequency_override is None
    monkeypatch.delenv("DATADUCT_MODE")
    assert load_config(path).mode is None
    assert load_config(path).staging.location == "/tmp/base"


def test_an_unknown_mode_is_an_error_at_the_modes_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, CONFIG)
    monkeypatch.setenv("DATADUCT_MODE", "prod")
    with pytest.raises(DefinitionErrors) as caught:
        load_config(path)
    message = str(caught.value.errors[0])
    assert message.startswith(f"{path}:6:1: mode 'prod' ($DATADUCT_MODE) is not defined")
    assert "(defined: dev, production)" in message


def test_a_mode_without_any_modes_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "defaults: {retries: 1}\n")
    monkeypatch.setenv("DATADUCT_MODE", "dev")
    with pytest.raises(DefinitionErrors, match=r"mode 'dev'.*defined: none"):
        load_config(path)


def test_a_mistake_in_an_inactive_mode_is_found_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = CONFIG.replace("frequency_override: one-time", "frequency_override: twice-daily")
    path = write(tmp_path, bad)
    monkeypatch.delenv("DATADUCT_MODE", raising=False)
    with pytest.raises(DefinitionErrors) as caught:
        load_config(path)
    (error,) = caught.value.errors
    assert (error.location.line, error.key) == (9, "frequency_override")


def test_resource_paths_expand_home_and_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TEAM_STEPS", str(tmp_path / "steps"))
    path = write(
        tmp_path, "resource_base_path: ~/dataduct/resources\ncustom_steps_path: $TEAM_STEPS/x\n"
    )
    config = load_config(path)
    assert config.base_dir == tmp_path / "home" / "dataduct" / "resources"
    assert config.custom_steps_dir == tmp_path / "steps" / "x"
    assert config.resource("~/q.sql") == tmp_path / "home" / "q.sql"
    assert config.resource("${TEAM_STEPS}/q.sql") == tmp_path / "steps" / "q.sql"
    assert config.resource("tables/t.sql") == config.base_dir / "tables" / "t.sql"


def test_an_unset_variable_in_a_resource_path_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_SUCH_DIR", raising=False)
    path = write(tmp_path, "defaults: {}\nresource_base_path: $NO_SUCH_DIR/resources\n")
    with pytest.raises(DefinitionErrors, match=r":2:\d+: environment variable 'NO_SUCH_DIR'"):
        load_config(path)
