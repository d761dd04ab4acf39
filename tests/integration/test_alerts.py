"""Alerts against moto's SNS (read back through an SQS subscription), QA warnings, notifiers by
import path, QA history rows and bootstrap/teardown runs, on the real PostgreSQL stack."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk import BaseNotifier

from airflow_dataduct.factory.loader import load_dags
from tests.integration.conftest import SEED_ROWS, Stack

pytestmark = pytest.mark.integration

REGION = "us-east-1"


class RecordingNotifier(BaseNotifier):
    """A notifier configured by import path: appends its rendered text to a file."""

    template_fields = ("text",)

    def __init__(self, path: str, text: str = "{{ dataduct_alert.subject }}") -> None:
        super().__init__()
        self.path = path
        self.text = text

    def notify(self, context: Mapping[str, Any]) -> None:
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(self.text + "\n")


@dataclass
class MotoSns:
    """A topic on the moto server with an SQS queue subscribed to it."""

    endpoint: str
    topic_arn: str
    queue_url: str

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def messages(self) -> list[dict[str, Any]]:
        """Every notification delivered so far (SNS's JSON envelope: Subject, Message)."""
        sqs = self.client("sqs")
        found = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            if not batch.get("Messages"):
                return found
            for message in batch["Messages"]:
                found.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


def _topic(endpoint: str, name: str) -> MotoSns:
    probe = MotoSns(endpoint, "", "")
    arn = probe.client("sns").create_topic(Name=name)["TopicArn"]
    sqs = probe.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    probe.client("sns").subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"]
    )
    return MotoSns(endpoint, arn, url)


@pytest.fixture
def topics(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> tuple[MotoSns, MotoSns]:
    """Fresh failure and warning topics; ``aws_default`` points at moto."""
    extra = {"region_name": REGION, "endpoint_url": moto_endpoint}
    connection = {"conn_type": "aws", "login": "testing", "password": "testing", "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(connection))
    suffix = uuid.uuid4().hex[:8]
    return _topic(moto_endpoint, f"failures-{suffix}"), _topic(moto_endpoint, f"warnings-{suffix}")


COUNT_CHECK = """
name: counts
steps:
-   step_type: count-check
    name: users_count
    source_host: maestro
    source_table_name: users
    destination_table_name: prod.users_copy
    tolerance: 1.0
"""


def configure(stack: Stack, extra: str, pipeline: str = COUNT_CHECK) -> None:
    """Replace the sns section of the stack's config, add ``extra``, and only ``pipeline``."""
    config = stack.definitions / "dataduct.yaml"
    text = config.read_text().split("\nsns:")[0]
    config.write_text(text + "\n" + extra)
    for path in stack.definitions.glob("*.yaml"):
        if path.name != "dataduct.yaml":
            path.unlink()
    (stack.definitions / "counts.yaml").write_text(pipeline)


def half_copied(stack: Stack) -> None:
    """prod.users_copy with half the source rows: the count check fails."""
    with stack.warehouse() as warehouse:
        warehouse.execute("CREATE SCHEMA IF NOT EXISTS prod")
        warehouse.execute("CREATE TABLE prod.users_copy (id BIGINT)")
        warehouse.execute(
            f"INSERT INTO prod.users_copy SELECT generate_series(1, {SEED_ROWS // 2})"
        )


def run(stack: Stack, dag_id: str = "counts") -> str:
    return load_dags(stack.definitions)[dag_id].test().state


def test_failed_task_publishes_pipeline_task_date_error_and_log_url(
    stack: Stack, topics: tuple[MotoSns, MotoSns], tmp_path: Path
) -> None:
    failures, _ = topics
    record = tmp_path / "notified.txt"
    configure(
        stack,
        f"sns: {{failure_topic_arn: '{failures.topic_arn}'}}\n"
        "alerts:\n  notifiers:\n"
        "  - notifier: tests.integration.test_alerts.RecordingNotifier\n"
        f"    args: {{path: '{record}', text: '{{{{ dataduct_alert.message }}}}'}}\n",
    )
    half_copied(stack)
    assert run(stack) == "failed"
    (message,) = failures.messages()
    assert message["Subject"] == "Airflow-Dataduct pipeline counts failed: users_count"
    body = message["Message"]
    assert "Pipeline: counts" in body
    assert "Failed task: users_count (try 1)" in body
    assert "Run date (scheduled start): " in body
    assert (
        f"Error: DataQualityCheckFailed: counts.users_count: source {SEED_ROWS:,} rows, "
        f"warehouse {SEED_ROWS // 2:,} rows, error rate 50.0000%" in body
    )
    assert "Log: http" in body and "/dags/counts/runs/" in body and "/tasks/users_count" in body
    assert "Error: DataQualityCheckFailed" in record.read_text(), "the notifier got it too"


def test_qa_warning_publishes_to_the_warning_topic_and_the_run_succeeds(
    stack: Stack, topics: tuple[MotoSns, MotoSns]
) -> None:
    failures, warnings = topics
    configure(
        stack,
        f"sns: {{failure_topic_arn: '{failures.topic_arn}', "
        f"warning_topic_arn: '{warnings.topic_arn}'}}\n"
        "qa: {on_failure: warn, history_table: qa.dba_table_qa_tests}\n",
    )
    half_copied(stack)
    assert run(stack) == "success"
    (warning,) = warnings.messages()
    assert warning["Subject"] == "Failure on counts.users_count"
    assert "error rate 50.0000%, tolerance 1.0%" in warning["Message"]
    assert failures.messages() == [], "a warning is not a failure"
    with stack.warehouse() as warehouse:
        rows = warehouse.execute(
            "SELECT pipeline_name, table_name, test_name, check_type, success, tolerance, "
            "error_rate, source_count, destination_count, run_date IS NOT NULL "
            "FROM qa.dba_table_qa_tests"
        ).fetchall()
    assert rows == [
        (
            "counts",
            "prod.users_copy",
            "counts.users_count",
            "count-check",
            False,
            1.0,
            50.0,
            SEED_ROWS,
            SEED_ROWS // 2,
            True,
        )
    ]


def test_step_sns_topic_arn_warns_even_when_the_config_fails(
    stack: Stack, topics: tuple[MotoSns, MotoSns]
) -> None:
    _, warnings = topics
    configure(stack, "", COUNT_CHECK + f"    sns_topic_arn: {warnings.topic_arn}\n")
    half_copied(stack)
    assert run(stack) == "success"
    assert [m["Subject"] for m in warnings.messages()] == ["Failure on counts.users_count"]


def test_every_check_result_is_appended_to_the_history_table(stack: Stack) -> None:
    assert run(stack, "users") == "success"
    assert run(stack, "users") == "success"
    with stack.warehouse() as warehouse:
        rows = warehouse.execute(
            "SELECT test_name, table_name, success, error_rate, source_count, destination_count "
            "FROM prod.dba_table_qa_tests ORDER BY recorded_at"
        ).fetchall()
    once = [
        ("users.CountCheckStep0", "users", True, 0.0, SEED_ROWS, SEED_ROWS),
        ("users.PrimaryKeyCheckStep0", "prod.users", True, None, None, None),
    ]
    assert sorted(rows) == sorted(2 * once)


def test_teardown_runs_after_a_failed_step_and_the_run_stays_failed(stack: Stack) -> None:
    configure(
        stack,
        "",
        COUNT_CHECK + "teardown:\n"
        "    step_type: count-check\n"
        "    name: cleanup\n"
        "    source_host: maestro\n"
        "    source_table_name: users\n"
        "    destination_table_name: prod.users_full\n",
    )
    half_copied(stack)
    with stack.warehouse() as warehouse:
        warehouse.execute(f"CREATE TABLE prod.users_full AS SELECT generate_series(1, {SEED_ROWS})")
    dag = load_dags(stack.definitions)["counts"]
    result = dag.test()
    states = {ti.task_id: ti.state for ti in result.get_task_instances()}
    assert result.state == "failed"
    assert states["users_count"] == "failed"
    assert states["cleanup"] == "success", "the teardown ran after the failure"
