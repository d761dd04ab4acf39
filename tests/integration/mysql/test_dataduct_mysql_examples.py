"""Dataduct's MySQL examples (extract_rds, count_check, column_check), unchanged, against a
``maestro`` database in MariaDB and the PostgreSQL warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_dataduct.staging.store import LocalStagingStore
from devstack import mariadb
from devstack.mariadb import MariaDbServer
from tests.integration.conftest import Stack
from tests.integration.examples_support import run

pytestmark = pytest.mark.integration

NETWORKS = [(n, f"network {n}" if n % 7 else None) for n in range(1, 51)]


@pytest.fixture
def maestro(
    stack: Stack, mariadb_server: MariaDbServer, monkeypatch: pytest.MonkeyPatch
) -> MariaDbServer:
    """``maestro`` in MariaDB with the examples' two tables; prod.networks in the warehouse."""
    values = ", ".join(f"({n}, {'NULL' if v is None else repr(v)})" for n, v in NETWORKS)
    mariadb.run_sql(
        mariadb_server,
        "DROP DATABASE IF EXISTS maestro; CREATE DATABASE maestro; USE maestro;"
        "CREATE TABLE networks_network (id INT PRIMARY KEY, name VARCHAR(50));"
        f"INSERT INTO networks_network VALUES {values};"
        "CREATE TABLE specializations_specialization (id INT, title VARCHAR(50), launched DATE);"
        "INSERT INTO specializations_specialization VALUES (1, 'Data', '2015-01-01'),"
        " (2, 'Zero date', '0000-00-00');",
    )
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_MAESTRO", mariadb_server.uri("maestro"))
    with stack.warehouse() as conn:
        conn.execute("CREATE SCHEMA prod")
        conn.execute("CREATE TABLE prod.networks (network_id INT, network_name VARCHAR(50))")
        conn.execute(f"INSERT INTO prod.networks VALUES {values}")
    return mariadb_server


def test_extract_rds_example_stages_both_mysql_tables(
    examples: Path, maestro: MariaDbServer
) -> None:
    assert run(examples, "example_extract_rds").state == "success"
    manifests = {
        p.parent.name: p.read_text()
        for p in (examples.parent / "staging").rglob("manifest.json")
        if "example_extract_rds" in str(p)
    }
    assert set(manifests) == {"ExtractRdsStep0", "ExtractRdsStep1"}
    assert '"rows": 2' in manifests["ExtractRdsStep0"]
    assert '"rows": 50' in manifests["ExtractRdsStep1"]
    store = LocalStagingStore(examples.parent / "staging")
    [prefix] = {
        str(p.parent.relative_to(store.root))
        for p in store.root.rglob("ExtractRdsStep0/manifest.json")
    }
    records = b"".join(store.iter_records(store.read_manifest(prefix)))
    assert records == b"1\tData\t2015-01-01\n2\tZero date\t\\N\n", "a zero date is NULL"


def test_count_and_column_check_examples_pass_then_catch_a_difference(
    examples: Path, stack: Stack, maestro: MariaDbServer
) -> None:
    assert run(examples, "example_count_check").state == "success"
    assert run(examples, "example_column_check").state == "success"
    with stack.warehouse() as conn:
        conn.execute("DELETE FROM prod.networks WHERE network_id > 45")
    assert run(examples, "example_count_check").state == "failed", "10% missing > 2% tolerance"
