"""The local stack for integration tests: a real PostgreSQL and a migrated Airflow metadata DB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from devstack.postgres import PostgresServer, recreate_database, start_postgres, stop_postgres
from devstack.seed import seed_users

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")
SOURCE_DB = "userDb"
EXAMPLES = ROOT / "tests" / "fixtures" / "dataduct_examples"
"""Dataduct's own example pipelines, tables and data, unchanged."""
WAREHOUSE_DB = "warehouse"
SEED_ROWS = 20_000


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for the whole session (mkdtemp: root's pytest tmp is 0700)."""
    base = Path(tempfile.mkdtemp(prefix="dataduct-pg-"))
    server = start_postgres(base)
    yield server
    stop_postgres(base)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """The session's Airflow metadata database (SQLite), migrated once."""
    subprocess.run(
        [AIRFLOW, "db", "migrate"], check=True, capture_output=True, env=os.environ.copy()
    )
    return Path(os.environ["AIRFLOW_HOME"])


@dataclass
class Stack:
    """One test's databases, definitions folder and staging directory."""

    server: PostgresServer
    definitions: Path
    staging: Path

    def source(self) -> psycopg.Connection:
        return psycopg.connect(self.server.dsn(SOURCE_DB), autocommit=True)

    def warehouse(self) -> psycopg.Connection:
        return psycopg.connect(self.server.dsn(WAREHOUSE_DB), autocommit=True)

    def env(self) -> dict[str, str]:
        """Environment for an ``airflow`` subprocess using this stack."""
        return {**os.environ, "DATADUCT_DEFINITIONS_DIR": str(self.definitions)}


def copy_definitions(target: Path, staging: Path) -> Path:
    """The committed dag_definitions/, with staging pointed at ``staging``."""
    shutil.copytree(ROOT / "dag_definitions", target)
    config = target / "dataduct.yaml"
    text = config.read_text().replace("location: ../.local/staging", f"location: {staging}")
    config.write_text(text)
    return target


@pytest.fixture
def stack(
    postgres: PostgresServer, airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Stack:
    """Fresh source and warehouse databases, a seeded ``users`` table and Airflow connections."""
    recreate_database(postgres, SOURCE_DB)
    recreate_database(postgres, WAREHOUSE_DB)
    seed_users(postgres.dsn(SOURCE_DB), SEED_ROWS)
    staging = tmp_path / "staging"
    definitions = copy_definitions(tmp_path / "dag_definitions", staging)
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_MAESTRO", postgres.dsn(SOURCE_DB))
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_WAREHOUSE", postgres.dsn(WAREHOUSE_DB))
    monkeypatch.setenv("DATADUCT_DEFINITIONS_DIR", str(definitions))
    return Stack(postgres, definitions, staging)


@dataclass
class MotoS3:
    """moto's server in this process, with a bucket and an ``aws_default`` connection to it."""

    endpoint: str
    bucket: str

    def client(self):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def keys(self, prefix: str = "") -> list[str]:
        pages = (
            self.client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.bucket, Prefix=prefix)
        )
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on loopback for the session (in-process, so tests can reach its state)."""
    from moto.server import ThreadedMotoServer

    from devstack._common import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> MotoS3:
    """A fresh bucket on the moto server; ``aws_default`` points at it (JSON form, no secrets)."""
    import json
    import uuid

    extra = {"region_name": "us-east-1", "endpoint_url": moto_endpoint}
    connection = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(connection))
    s3 = MotoS3(moto_endpoint, f"dataduct-{uuid.uuid4().hex[:8]}")
    s3.client().create_bucket(Bucket=s3.bucket)
    return s3


@pytest.fixture
def examples(stack: Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Dataduct's example pipelines (a copy) on the local stack: staging in a temporary folder,
    the warehouse and connections of ``stack``."""
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    config = folder / "dataduct.yaml"
    text = config.read_text().replace(
        "location: s3://dataduct-examples/staging", f"location: {tmp_path / 'staging'}"
    )
    config.write_text(text)
    monkeypatch.setenv("DATADUCT_DEFINITIONS_DIR", str(folder))
    return folder
