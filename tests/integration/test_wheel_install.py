"""The built wheel in a fresh virtualenv outside the repository: the README's install commands
(`pip install`, `airflow-dataduct init`, `airflow db migrate`, the warehouse connection,
`airflow dags test`) run the starter pipeline into the local PostgreSQL.

pip reads its options from the environment here (``PIP_NO_INDEX``, ``PIP_FIND_LINKS``,
``PIP_CONSTRAINT``): the commands stay the README's, while the packages come from a local
wheelhouse of the pinned versions (``.local/wheelhouse``), filled once from the registry
through pip's cache and reused offline afterwards.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from devstack.postgres import PostgresServer, recreate_database
from tests.integration.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

WHEELHOUSE = ROOT / ".local" / "wheelhouse"
SOURCE_FILES = (
    "airflow_dataduct",
    "setup.cfg",
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "MANIFEST.in",
)
STARTER_ROWS = [(1, "Ada Lovelace"), (2, "Grace Hopper"), (3, None)]


def readme_install_commands() -> str:
    """The first ``sh`` block of the README's "Install into an existing Airflow" section."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Install into an existing Airflow", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "the README's install section has a sh block"
    return match.group(1)


def build_wheel(tmp_path: Path) -> Path:
    """The wheel, built from a copy of the sources (the build leaves nothing in the checkout)."""
    source = tmp_path / "source"
    for name in SOURCE_FILES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(origin, source / name)
    dist = tmp_path / "dist"
    command = [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(dist)]
    subprocess.run(command, cwd=source, check=True, capture_output=True)
    (wheel,) = dist.glob("airflow_dataduct-*.whl")
    return wheel


def fill_wheelhouse(wheel: Path) -> None:
    """Wheels of every pinned dependency in WHEELHOUSE, unless the pins have not changed."""
    pins = hashlib.sha256((ROOT / "constraints.txt").read_bytes())
    pins.update((ROOT / "setup.cfg").read_bytes())
    stamp = WHEELHOUSE / ".pins-sha256"
    if stamp.is_file() and stamp.read_text() == pins.hexdigest():
        return
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "-c", str(ROOT / "constraints.txt")]
    command += ["--find-links", str(wheel.parent), "-w", str(WHEELHOUSE), str(wheel)]
    subprocess.run(command, check=True, capture_output=True, timeout=900)
    stamp.write_text(pins.hexdigest())


def test_readme_install_runs_the_starter_pipeline_from_the_wheel_outside_the_repository(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    work = tmp_path / "user"
    work.mkdir()
    wheel = build_wheel(work)
    fill_wheelhouse(wheel)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    recreate_database(postgres, "starter_warehouse")
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "WAREHOUSE_URI": postgres.dsn("starter_warehouse"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": f"{WHEELHOUSE} {wheel.parent}",
        "PIP_CONSTRAINT": str(ROOT / "constraints.txt"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    script = readme_install_commands()
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    probe = (
        "import airflow_dataduct\n"
        "from airflow.providers_manager import ProvidersManager\n"
        "print('airflow-dataduct' in ProvidersManager().providers)\n"
        "print(airflow_dataduct.__file__)"
    )
    listed, installed = subprocess.run(
        ["python", "-c", probe], env=env, cwd=work, capture_output=True, text=True, check=True
    ).stdout.split()
    assert listed == "True", "Airflow lists the provider (entry point apache_airflow_provider)"
    assert Path(installed).is_relative_to(venv), "imported from the wheel, not the checkout"
    assert (Path(installed).parent / "py.typed").is_file()
    assert (Path(env["AIRFLOW_HOME"]) / "dags" / "dataduct_pipelines.py").is_file()
    with psycopg.connect(postgres.dsn("starter_warehouse")) as conn:
        loaded = conn.execute("SELECT id, name FROM public.dataduct_starter ORDER BY id")
        assert loaded.fetchall() == STARTER_ROWS
