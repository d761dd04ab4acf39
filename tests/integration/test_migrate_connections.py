"""``airflow connections import`` accepts the connections file of ``migrate-config`` (the real
Airflow CLI, its own Airflow home)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from airflow_dataduct.cli.main import main
from tests.integration.conftest import AIRFLOW
from tests.unit.model.test_migration import EVERY_SECTION


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AIRFLOW, *args], env=env, capture_output=True, text=True, check=False, timeout=300
    )


def test_airflow_imports_every_migrated_connection(tmp_path: Path) -> None:
    cfg = tmp_path / "dataduct.cfg"
    cfg.write_text(EVERY_SECTION)
    out = tmp_path / "out"
    assert main(["migrate-config", str(cfg), "--out", str(out)]) == 0
    expected = json.loads((out / "dataduct-connections.json").read_text())
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path / "airflow")}
    env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_")}
    assert airflow(env, "db", "migrate").returncode == 0

    imported = airflow(env, "connections", "import", str(out / "dataduct-connections.json"))

    assert imported.returncode == 0, imported.stderr[-2000:]
    for conn_id in expected:
        assert f"Imported connection {conn_id}" in imported.stdout
    for conn_id, connection in expected.items():
        got = airflow(env, "connections", "get", conn_id, "-o", "json")
        assert got.returncode == 0, got.stderr[-2000:]
        (row,) = json.loads(got.stdout[got.stdout.index("[") :])
        for key in ("conn_type", "host", "schema", "login", "password", "description"):
            assert row[key] == connection.get(key), (conn_id, key)
        assert row["port"] == (str(connection["port"]) if "port" in connection else None)
        assert row["extra_dejson"] == json.loads(connection.get("extra", "{}")), conn_id
