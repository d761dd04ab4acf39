"""Many workers: Airflow as a small cluster (metadata DB on PostgreSQL, CeleryExecutor with
Redis, S3 staging and SNS on a moto server, scheduler, dag-processor, api-server and two Celery
workers with their own directories and hostnames), driven through the REST API.

Queue routing (a cluster policy, as docs/deployment.md shows) makes the placement certain:
in ``users`` and ``users_transform`` the extracts run on worker-a and every other task on
worker-b, so each load reads files another machine staged; ``users_retry`` runs on either
worker, so Airflow can retry a load on the survivor when its worker dies.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import psycopg
import pytest

from airflow_dataduct.cli.init import init_folder
from devstack._common import free_port
from devstack.postgres import PostgresServer, recreate_database
from devstack.seed import seed_users
from tests.integration.cluster import WORKER_IDENTITY, Api, Processes, wait_for
from tests.integration.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
SOURCE_ROWS = 20_000
WORKERS = {"worker-a": "extract,shared", "worker-b": "default,shared"}
RUN_TIMEOUT = 240.0

POLICY = '''\
"""Cluster policy of the test: extracts of users/users_transform on the 'extract' queue."""


def task_policy(task):
    if task.dag_id == "users_retry":
        task.queue = "shared"
    elif task.task_id.startswith("Extract"):
        task.queue = "extract"
'''

TRANSFORM = """\
name: users_transform
frequency: daily
description: Users through a transform step (a program on the worker) into the warehouse

steps:
-   step_type: extract-rds
    sql: SELECT id, user_name, user_email FROM users
    host_name: maestro

-   step_type: transform
    name: copy_rows
    command: cat "$INPUT1_STAGING_DIR"/* > "$OUTPUT1_STAGING_DIR/users.tsv"

-   step_type: create-load-redshift
    name: load_transformed
    table_definition: tables/staging.transformed_users.sql
"""


@dataclass
class Cluster:
    api: Api
    processes: Processes
    server: PostgresServer
    s3: object
    bucket: str
    workers: dict[str, Path]

    def source(self) -> psycopg.Connection:
        return psycopg.connect(self.server.dsn("cluster_source"), autocommit=True)

    def warehouse(self) -> psycopg.Connection:
        return psycopg.connect(self.server.dsn("cluster_warehouse"), autocommit=True)

    def run(self, dag_id: str) -> str:
        """Trigger ``dag_id`` through the REST API and wait for the run to end in success."""
        run_id = self.api.trigger(dag_id)
        self.wait_success(dag_id, run_id)
        return run_id

    def wait_success(self, dag_id: str, run_id: str) -> None:
        def finished() -> str | None:
            self.processes.check_alive()
            state = self.api.run_state(dag_id, run_id)
            return state if state in ("success", "failed") else None

        state = wait_for(f"{dag_id} run {run_id}", finished, RUN_TIMEOUT, every=2)
        assert state == "success", self.processes.tails()


def definitions(folder: Path, bucket: str, topic_arn: str) -> None:
    """users (the committed one), users_transform and users_retry, staged on S3."""
    shutil.copytree(ROOT / "dag_definitions" / "tables", folder / "tables")
    table = (folder / "tables" / "staging.maestro_users.sql").read_text()
    (folder / "tables" / "staging.transformed_users.sql").write_text(
        table.replace("staging.maestro_users", "staging.transformed_users")
    )
    (folder / "dataduct.yaml").write_text(
        "warehouse: {conn_id: dataduct_warehouse, search_path: [prod, public]}\n"
        "hosts: {maestro: dataduct_maestro}\n"
        f"staging: {{location: 's3://{bucket}/etl', aws_conn_id: aws_default, retain: true}}\n"
        f"sns: {{failure_topic_arn: '{topic_arn}', aws_conn_id: aws_default}}\n"
        "defaults: {retries: 0, retry_delay_minutes: 0}\n"
    )
    users = (ROOT / "dag_definitions" / "users.yaml").read_text()
    users = users.replace("    database: userDb\n", "")  # the connection's database
    (folder / "users.yaml").write_text(users)
    retry = users.replace("name: users\n", "name: users_retry\nmax_retries: 2\n")
    (folder / "users_retry.yaml").write_text(retry)
    (folder / "users_transform.yaml").write_text(TRANSFORM)


def dags_folder(target: Path, bucket: str, topic_arn: str) -> Path:
    """What ``airflow-dataduct init`` writes, with this test's definitions."""
    init_folder(target)
    shutil.rmtree(target / "dag_definitions")
    definitions(target / "dag_definitions", bucket, topic_arn)
    return target


@pytest.fixture
def cluster(postgres: PostgresServer, tmp_path: Path) -> Iterator[Cluster]:
    processes = Processes(tmp_path / "logs")
    try:
        yield start_cluster(postgres, tmp_path, processes)
    finally:
        processes.stop_all()


def start_cluster(server: PostgresServer, tmp_path: Path, processes: Processes) -> Cluster:
    for name in ("cluster_airflow", "cluster_source", "cluster_warehouse"):
        recreate_database(server, name)
    seed_users(server.dsn("cluster_source"), SOURCE_ROWS)
    redis_port, moto_port, api_port = free_port(), free_port(), free_port()
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DATADUCT"))}
    processes.start(
        "redis",
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
        bare,
        cwd=tmp_path,
    )
    processes.start(
        "moto", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)], bare
    )
    endpoint = f"http://127.0.0.1:{moto_port}"
    aws = {"region_name": "us-east-1", "aws_access_key_id": "testing"}
    aws |= {"aws_secret_access_key": "testing", "endpoint_url": endpoint}
    s3 = wait_for("moto", lambda: _bucket_client(aws), 30)
    bucket = f"staging-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    topic = boto3.client("sns", **aws).create_topic(Name="etl-failures")["TopicArn"]

    support = tmp_path / "support"
    support.mkdir()
    (support / "airflow_local_settings.py").write_text(POLICY)
    (support / "dataduct_worker_identity.py").write_text(WORKER_IDENTITY)
    metadata = server.dsn("cluster_airflow").replace("postgresql://", "postgresql+psycopg2://")
    connection = {"conn_type": "aws", "login": "testing", "password": "testing"}
    connection["extra"] = {"region_name": "us-east-1", "endpoint_url": endpoint}
    env = {
        **bare,
        "PYTHONPATH": f"{ROOT}:{support}",
        "AIRFLOW_HOME": str(tmp_path / "control"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder(tmp_path / "dags", bucket, topic)),
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs the test triggers
        "AIRFLOW__CORE__PARALLELISM": "8",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
        "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata}",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "AIRFLOW_CONN_DATADUCT_MAESTRO": server.dsn("cluster_source"),
        "AIRFLOW_CONN_DATADUCT_WAREHOUSE": server.dsn("cluster_warehouse"),
        "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(connection),
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
    processes.start("scheduler", [AIRFLOW, "scheduler"], env)
    processes.start("dag-processor", [AIRFLOW, "dag-processor"], env)
    api_command = [AIRFLOW, "api-server", "-H", "127.0.0.1", "-p", str(api_port), "-w", "1"]
    processes.start("api-server", api_command, env)
    workers = {
        name: start_worker(name, queues, env, tmp_path, processes)
        for name, queues in WORKERS.items()
    }
    api = Api(f"http://127.0.0.1:{api_port}")
    wait_for("the api-server", lambda: processes.check_alive() or api.healthy(), 120, every=2)
    api.login()
    for dag_id in ("users", "users_transform", "users_retry"):
        wait_for(f"DAG {dag_id} parsed", lambda d=dag_id: api.dag_known(d), 120, every=2)
    return Cluster(api, processes, server, s3, bucket, workers)


def _bucket_client(aws: dict[str, str]) -> object | None:
    client = boto3.client("s3", **aws)
    try:
        client.list_buckets()
    except Exception:  # not listening yet
        return None
    return client


def start_worker(
    name: str, queues: str, env: dict[str, str], tmp_path: Path, processes: Processes
) -> Path:
    """A Celery worker as on its own machine: home, working dir, TMPDIR, DAGs copy, hostname."""
    home = tmp_path / name
    (home / "tmp").mkdir(parents=True)
    dags = shutil.copytree(env["AIRFLOW__CORE__DAGS_FOLDER"], home / "dags")
    worker_env = {
        **env,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "TMPDIR": str(home / "tmp"),
        # The parse caches (metadata, per machine) outside TMPDIR, where staged data must not be.
        "DATADUCT_CACHE_DIR": str(home / "parse-cache"),
        "DATADUCT_WORKER_NAME": name,
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "dataduct_worker_identity.hostname",
    }
    command = [AIRFLOW, "celery", "worker", "--queues", queues, "--concurrency", "1"]
    command += ["--celery-hostname", f"{name}@%h", "--skip-serve-logs"]
    processes.start(name, command, worker_env, cwd=home)
    return home


def hosts_by_task(cluster: Cluster, dag_id: str, run_id: str) -> dict[str, str]:
    return {ti["task_id"]: ti["hostname"] for ti in cluster.api.task_instances(dag_id, run_id)}


def test_two_celery_workers_run_the_pipelines_through_s3_and_survive_a_killed_worker(
    cluster: Cluster,
) -> None:
    users_run = cluster.api.trigger("users")
    transform_run = cluster.api.trigger("users_transform")
    cluster.wait_success("users", users_run)
    cluster.wait_success("users_transform", transform_run)

    # The tasks of one run ran on both workers: extracts on worker-a, the rest on worker-b.
    for dag_id, run_id in (("users", users_run), ("users_transform", transform_run)):
        hosts = hosts_by_task(cluster, dag_id, run_id)
        assert set(hosts.values()) == {"worker-a", "worker-b"}, hosts
        assert all((h == "worker-a") == t.startswith("Extract") for t, h in hosts.items()), hosts

    # Each load read what another machine staged: from S3, nothing on a worker's disk.
    keys = [
        o["Key"]
        for page in cluster.s3.get_paginator("list_objects_v2").paginate(Bucket=cluster.bucket)
        for o in page.get("Contents", [])
    ]
    for dag_id in ("users", "users_transform"):
        assert any(k.startswith(f"etl/{dag_id}/") and k.endswith("manifest.json") for k in keys)
    for home in cluster.workers.values():
        left = [p for p in (home / "tmp").rglob("*") if p.is_file()]
        assert not left, f"no file left in the worker's TMPDIR: {left}"

    expected_sql = "SELECT id, user_name, user_email FROM users ORDER BY id"
    with cluster.source() as source, cluster.warehouse() as warehouse:
        expected = source.execute(expected_sql).fetchall()
        assert len(expected) == SOURCE_ROWS
        names = {row[1] for row in expected}
        assert {"", "NULL"} <= names and any(n and ("\t" in n or "\n" in n) for n in names)
        prod = "SELECT user_id, user_name, user_email FROM prod.users ORDER BY user_id"
        assert warehouse.execute(prod).fetchall() == expected
        transformed = "SELECT id, user_name, user_email FROM staging.transformed_users ORDER BY id"
        assert warehouse.execute(transformed).fetchall() == expected

    kill_a_worker_mid_load(cluster, expected)


LOCK_WAITERS = """
SELECT count(*) FROM pg_locks
WHERE NOT granted AND relation = 'staging.maestro_users'::regclass
"""


def kill_a_worker_mid_load(cluster: Cluster, expected: list[tuple[object, ...]]) -> None:
    """Hold the staging table's lock so ``load_staging`` waits inside its load, kill the worker
    running it (its whole process tree, and its disk), release: Airflow retries on the other."""
    with cluster.warehouse() as blocker, cluster.warehouse() as observer, blocker.transaction():
        blocker.execute("LOCK TABLE staging.maestro_users IN ACCESS EXCLUSIVE MODE")
        run_id = cluster.api.trigger("users_retry")

        def loading() -> str | None:
            cluster.processes.check_alive()
            tis = cluster.api.task_instances("users_retry", run_id)
            (load,) = [ti for ti in tis if ti["task_id"] == "load_staging"]
            waiting = observer.execute(LOCK_WAITERS).fetchone()[0]
            return load["hostname"] if load["state"] == "running" and waiting else None

        victim = wait_for("load_staging inside its load", loading, RUN_TIMEOUT)
        cluster.processes.named(victim).kill()
        shutil.rmtree(cluster.workers[victim])  # the machine is gone, and its disk
    cluster.wait_success("users_retry", run_id)
    (survivor,) = set(cluster.workers) - {victim}
    tries = sorted(
        cluster.api.tries("users_retry", run_id, "load_staging"), key=lambda t: t["try_number"]
    )
    assert [(t["hostname"], t["state"]) for t in tries] == [
        (victim, "failed"),
        (survivor, "success"),
    ], tries
    with cluster.warehouse() as warehouse:
        staged = "SELECT id, user_name, user_email FROM staging.maestro_users ORDER BY id"
        assert warehouse.execute(staged).fetchall() == expected, "nothing lost or duplicated"
        prod = "SELECT user_id, user_name, user_email FROM prod.users ORDER BY user_id"
        assert warehouse.execute(prod).fetchall() == expected
