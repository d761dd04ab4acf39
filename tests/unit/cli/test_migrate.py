"""``airflow-dataduct migrate-config``: the files it writes, and a migrated team's folder."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from airflow_dataduct.cli.main import main
from tests.unit.model.test_migration import EVERY_SECTION, EXAMPLE_CONFIG, SECRETS

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "tests" / "fixtures" / "dataduct_examples"

TEAM_CFG = """\
etl:
    S3_ETL_BUCKET: etl-bucket
    ROLE: DataPipelineDefaultRole
    RESOURCE_ROLE: DataPipelineDefaultResourceRole
    RESOURCE_BASE_PATH: $DATADUCT_EXAMPLES/resources
    CUSTOM_STEPS_PATH: ~/steps
ec2: {INSTANCE_TYPE: m1.large}
emr: {NUM_CORE_INSTANCES: 1, CLUSTER_AMI: 3.3.1}
redshift: {DATABASE_NAME: dev, HOST: localhost, USERNAME: etl, PASSWORD: secret, PORT: 5439}
mysql:
    maestro: {HOST: localhost, USERNAME: reader, PASSWORD: secret}
postgres: {DATABASE_NAME: app, USERNAME: etl, PASSWORD: secret, RDS_INSTANCE_ID: x, REGION: y}
custom_steps:
-   class_name: CustomExtractLocalStep
    file_path: custom_extract_local.py
    step_type: custom-extract-local
dev:
    etl: {FREQUENCY_OVERRIDE: one-time}
"""


def test_writes_the_config_and_an_owner_only_connections_file_never_printing_a_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "dataduct.cfg"
    cfg.write_text(EVERY_SECTION)
    out = tmp_path / "out"
    assert main(["migrate-config", str(cfg), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert not [s for s in SECRETS if s in printed.out + printed.err]
    assert "connection dataduct_warehouse_production (redshift)" in printed.out
    connections = out / "dataduct-connections.json"
    assert stat.S_IMODE(connections.stat().st_mode) == 0o600
    assert all(s in connections.read_text() for s in SECRETS)
    config = (out / "dataduct.yaml").read_text()
    assert not [s for s in SECRETS if s in config]
    assert "#   etl.HOOKS_BASE_PATH: " in config  # the comment at the top, key by key
    assert main(["migrate-config", str(cfg), "--out", str(out)]) == 1  # no silent overwrite
    assert "exists; use --force" in capsys.readouterr().err
    connections.chmod(0o644)
    assert main(["migrate-config", str(cfg), "--out", str(out), "--force"]) == 0
    assert stat.S_IMODE(connections.stat().st_mode) == 0o600


def test_dataducts_example_config_migrates_to_a_valid_config(tmp_path: Path) -> None:
    assert main(["migrate-config", str(EXAMPLE_CONFIG), "--out", str(tmp_path)]) == 0
    assert main(["validate", str(tmp_path / "dataduct.yaml")]) == 0


def test_validate_passes_on_the_migrated_config_plus_dataducts_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    team = tmp_path / "team"
    shutil.copytree(EXAMPLES, team, ignore=shutil.ignore_patterns("dataduct.yaml", "config"))
    monkeypatch.setenv("DATADUCT_EXAMPLES", str(team))
    monkeypatch.setenv("HOME", str(team))  # CUSTOM_STEPS_PATH: ~/steps
    cfg = tmp_path / "dataduct.cfg"
    cfg.write_text(TEAM_CFG)
    assert main(["migrate-config", str(cfg), "--out", str(team)]) == 0
    capsys.readouterr()
    for mode in ("", "dev"):
        monkeypatch.setenv("DATADUCT_MODE", mode)
        assert main(["validate", str(team)]) == 0, capsys.readouterr().out
        pipelines = len(list(team.glob("example_*.yaml")))
        assert f"{pipelines} pipeline(s) valid, 0 error(s)" in capsys.readouterr().err
