"""The seed ``votes`` pipeline on moto's EMR and S3 and the real PostgreSQL warehouse.

moto accepts clusters and steps but never runs them: a background thread plays EMR, moving
each submitted step to COMPLETED (writing the Scalding job's ``questions`` output where the
step was told to) or FAILED, through moto's in-process backend.
"""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest

from airflow_dataduct.factory.loader import load_dags
from airflow_dataduct.staging.manifest import path_safe
from tests.integration.conftest import MotoS3, Stack

pytestmark = pytest.mark.integration

REGION = "us-east-1"
ACCOUNT = "123456789012"
PART_0 = (
    "Cn2Vb7LfEeaxlwq3QqC7Hw\t101\t1\t2026-01-02 03:04:05\n"
    "Cn2Vb7LfEeaxlwq3QqC7Hw\t102\t-1\t\\N\n"
    "x\\\\y\\tz\t103\t0\t2026-01-03 00:00:00\n"
)
PART_1 = "Zz9\t101\t1\t2026-01-04 12:00:00\n"
PROD_ROWS = (
    "SELECT discussion_question_id, user_id, vote_value, voted_at::text "
    "FROM prod.discussion_question_votes ORDER BY 1, 2"
)


def client(moto: MotoS3, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto.endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def write_job_output(moto: MotoS3, uri: str) -> None:
    """What the Scalding job leaves at an output node: part files (one gzip), then _SUCCESS."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    s3 = client(moto, "s3")
    s3.put_object(Bucket=bucket, Key=key + "part-00000", Body=PART_0.encode())
    s3.put_object(Bucket=bucket, Key=key + "part-00001.gz", Body=gzip.compress(PART_1.encode()))
    s3.put_object(Bucket=bucket, Key=key + "_logs/history.jhist", Body=b"not data")
    s3.put_object(Bucket=bucket, Key=key + "_SUCCESS", Body=b"")


@contextmanager
def playing_emr(outcome: Callable[[Any], str], moto: MotoS3) -> Iterator[None]:
    """A thread that finishes every submitted step with ``outcome(step)`` while it runs."""
    from moto.emr.models import emr_backends

    backend = emr_backends[ACCOUNT][REGION]
    stop = threading.Event()

    def play() -> None:
        while not stop.wait(0.1):
            for cluster in list(backend.clusters.values()):
                for step in list(cluster.steps):
                    if step.state in ("PENDING", "RUNNING"):
                        state = outcome(step)
                        if state == "COMPLETED" and "--output-questions" in step.args:
                            at = step.args.index("--output-questions")
                            write_job_output(moto, step.args[at + 1])
                        step.state = state

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@pytest.fixture
def votes(stack: Stack, moto_s3: MotoS3) -> Stack:
    """The stack's definitions with EMR on the moto bucket and fast step sensors."""
    config = stack.definitions / "dataduct.yaml"
    base = f"s3://{moto_s3.bucket}"
    text = config.read_text()
    for old, new in (
        ("s3://dataduct-logs/emr/", f"{base}/logs/"),
        ("s3://dataduct-data/emr", f"{base}/emr"),
        ("s3://dataduct-artifacts/jars/", f"{base}/jars/"),
        ("s3://cassandra-backups/", f"{base}/backups/"),
    ):
        assert old in text
        text = text.replace(old, new)
    assert text.count("\nemr:\n") == 1
    config.write_text(text.replace("\nemr:\n", "\nemr:\n  step_poke_interval_seconds: 0.2\n"))
    return stack


def new_cluster(moto: MotoS3, before: set[str]) -> str:
    clusters = client(moto, "emr").list_clusters()["Clusters"]
    (cluster_id,) = {c["Id"] for c in clusters} - before
    return cluster_id


def cluster_ids(moto: MotoS3) -> set[str]:
    return {c["Id"] for c in client(moto, "emr").list_clusters()["Clusters"]}


def test_votes_run_creates_the_cluster_runs_the_steps_and_loads_questions(
    votes: Stack, moto_s3: MotoS3
) -> None:
    before = cluster_ids(moto_s3)
    dag = load_dags(votes.definitions)["votes"]
    with playing_emr(lambda step: "COMPLETED", moto_s3):
        run = dag.test()
    assert run.state == "success"
    emr = client(moto_s3, "emr")
    cluster_id = new_cluster(moto_s3, before)
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Status"]["State"] == "TERMINATED"
    assert cluster["ReleaseLabel"] == "emr-7.5.0"
    assert cluster["LogUri"] == f"s3://{moto_s3.bucket}/logs/"
    assert (cluster["ServiceRole"], cluster["Ec2InstanceAttributes"]["IamInstanceProfile"]) == (
        "EMR_DefaultRole",
        "EMR_EC2_DefaultRole",
    )
    assert [a["Name"] for a in cluster["Applications"]] == ["Hadoop"]
    assert {t["Key"]: t["Value"] for t in cluster["Tags"]} == {
        "dataduct:pipeline": "votes",
        "dataduct:run_id": run.run_id,
    }
    groups = emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
    assert sorted(
        (g["InstanceGroupType"], g["InstanceType"], g["RequestedInstanceCount"], g["Market"])
        for g in groups
    ) == [("CORE", "m1.xlarge", 20, "ON_DEMAND"), ("MASTER", "m5.xlarge", 1, "ON_DEMAND")]
    assert emr.list_bootstrap_actions(ClusterId=cluster_id)["BootstrapActions"] == []

    steps = {s["Name"]: s for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
    out = f"s3://{moto_s3.bucket}/emr/votes/{path_safe(run.run_id)}"
    aegisthus = steps["AegisthusStep0"]["Config"]
    assert aegisthus["Jar"] == f"s3://{moto_s3.bucket}/jars/aegisthus-hadoop-0.4.0.jar"
    assert aegisthus["Args"] == [
        "-D",
        "aegisthus.cql_schema=CREATE TABLE vote.vote_kvs_timestamp (key text, user_id int, "
        "value int, timestamp timestamp, PRIMARY KEY ((key), user_id)) "
        "WITH CLUSTERING ORDER BY (user_id ASC);",
        "-inputDir",
        f"s3://{moto_s3.bucket}/backups/vote/vote_kvs_timestamp/{run.logical_date:%Y%m%d}/",
        "-output",
        f"{out}/AegisthusStep0/",
    ]
    scalding = steps["vote_emr"]["Config"]
    assert scalding["Jar"] == f"s3://{moto_s3.bucket}/jars/coursera-etl-assembly-1.0.jar"
    assert scalding["Args"] == [
        "org.coursera.etl.vote.VotesETLJob",
        "--hdfs",
        "--date",
        f"{run.logical_date:%Y-%m-%d}",
        "--input",
        f"{out}/AegisthusStep0/",
        "--output-questions",
        f"{out}/vote_emr/questions/",
    ]
    with votes.warehouse() as warehouse:
        assert warehouse.execute(PROD_ROWS).fetchall() == [
            ("Cn2Vb7LfEeaxlwq3QqC7Hw", 101, 1, "2026-01-02 03:04:05"),
            ("Cn2Vb7LfEeaxlwq3QqC7Hw", 102, -1, None),
            ("Zz9", 101, 1, "2026-01-04 12:00:00"),
            ("x\\y\tz", 103, 0, "2026-01-03 00:00:00"),
        ]


def test_failed_step_fails_the_run_terminates_the_cluster_and_alerts(
    votes: Stack, moto_s3: MotoS3
) -> None:
    sns, sqs = client(moto_s3, "sns"), client(moto_s3, "sqs")
    name = f"votes-failures-{uuid.uuid4().hex[:8]}"
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
    config = votes.definitions / "dataduct.yaml"
    config.write_text(
        config.read_text().replace("failure_topic_arn: null", f"failure_topic_arn: {topic}")
    )
    before = cluster_ids(moto_s3)
    dag = load_dags(votes.definitions)["votes"]
    with playing_emr(lambda step: "FAILED" if step.name == "vote_emr" else "COMPLETED", moto_s3):
        run = dag.test()
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["AegisthusStep0.watch_step"] == "success"
    assert states["vote_emr.watch_step"] == "failed"
    assert states["load_discussion_question_votes"] == "upstream_failed"
    assert states["terminate_emr_cluster"] == "success"
    cluster = client(moto_s3, "emr").describe_cluster(ClusterId=new_cluster(moto_s3, before))
    assert cluster["Cluster"]["Status"]["State"] == "TERMINATED"
    batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    alerts = [json.loads(m["Body"]) for m in batch]
    assert any("vote_emr.watch_step" in a["Message"] for a in alerts), alerts
    with votes.warehouse() as warehouse:
        exists = warehouse.execute("SELECT to_regclass('prod.discussion_question_votes')")
        assert exists.fetchone()[0] is None
