"""Credentials come only from Airflow connections and never leak: after runs with known, unique
passwords and AWS keys, none of them appears in the task logs, the console output, the rendered
templates, XCom, the staged files' names and contents, or the failure alerts."""

from __future__ import annotations

import gzip
import json
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest

from airflow_dataduct.factory.loader import load_dags
from tests.integration.conftest import SOURCE_DB, WAREHOUSE_DB, MotoS3, Stack
from tests.integration.reliability.support import retain_staging, set_config

pytestmark = pytest.mark.integration

ROLE = "dataduct_secret_user"


def secrets() -> dict[str, str]:
    token = uuid.uuid4().hex
    return {
        "source_password": f"src-pw-{token[:10]}",
        "warehouse_password": f"wh-pw-{token[10:20]}",
        "aws_access_key": f"AKIA{token[:16].upper()}",
        "aws_secret_key": f"aws-secret-{token[16:]}",
    }


def use_secret_connections(
    stack: Stack, s3: MotoS3, known: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connections as a password-holding role (trust auth still ignores it, but libpq and the
    hooks carry it) and AWS keys that moto accepts."""
    with psycopg.connect(stack.server.dsn(), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {ROLE}")
        admin.execute(
            f"CREATE ROLE {ROLE} LOGIN SUPERUSER PASSWORD '{known['warehouse_password']}'"
        )
    server = stack.server

    def url(password: str, database: str) -> str:
        return f"postgresql://{ROLE}:{quote(password)}@{server.host}:{server.port}/{database}"

    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_MAESTRO", url(known["source_password"], SOURCE_DB))
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATADUCT_WAREHOUSE", url(known["warehouse_password"], WAREHOUSE_DB)
    )
    aws = {
        "conn_type": "aws",
        "login": known["aws_access_key"],
        "password": known["aws_secret_key"],
        "extra": {"region_name": "us-east-1", "endpoint_url": s3.endpoint},
    }
    monkeypatch.setenv("AIRFLOW_CONN_AWS_DEFAULT", json.dumps(aws))
    set_config(stack.definitions, location=f"s3://{s3.bucket}/etl")
    retain_staging(stack.definitions)


class FailureTopic:
    """An SNS topic on moto with an SQS queue subscribed, to read the alerts back."""

    def __init__(self, endpoint: str) -> None:
        import boto3

        def client(service: str) -> Any:
            return boto3.client(
                service,
                endpoint_url=endpoint,
                region_name="us-east-1",
                aws_access_key_id="reader",
                aws_secret_access_key="reader",
            )

        name = f"failures-{uuid.uuid4().hex[:8]}"
        self.sqs = client("sqs")
        self.arn = client("sns").create_topic(Name=name)["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])
        client("sns").subscribe(
            TopicArn=self.arn, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"]
        )

    def messages(self) -> list[str]:
        batch = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10)
        return [m["Body"] for m in batch.get("Messages", [])]


def metadata_texts(dag_id: str) -> dict[str, list[str]]:
    """Rendered template fields and XCom values of every task of ``dag_id``, as text."""
    from airflow import settings
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.xcom import XComModel
    from sqlalchemy import select

    with settings.Session() as session:
        rendered = session.scalars(
            select(RenderedTaskInstanceFields).where(RenderedTaskInstanceFields.dag_id == dag_id)
        ).all()
        xcoms = session.scalars(select(XComModel).where(XComModel.dag_id == dag_id)).all()
        return {
            "rendered": [json.dumps(r.rendered_fields, default=str) for r in rendered],
            "xcom": [json.dumps(x.value, default=str) for x in xcoms],
        }


def staged_texts(s3: MotoS3) -> dict[str, list[str]]:
    client = s3.client()
    names, contents = [], []
    for key in s3.keys("etl/"):
        names.append(key)
        body = client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
        contents.append(gzip.decompress(body).decode() if key.endswith(".gz") else body.decode())
    return {"staged names": names, "staged contents": contents}


def log_texts() -> dict[str, list[str]]:
    logs = Path(os.environ["AIRFLOW_HOME"]) / "logs"
    files = [p for p in logs.rglob("*") if p.is_file()] if logs.exists() else []
    return {"log files": [p.read_text(errors="replace") for p in files]}


class Records(logging.Handler):
    """Every log record of the run, formatted with its arguments and traceback."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logging.Formatter().format(record))


@pytest.fixture
def records() -> Iterator[Records]:
    """Log records at the configured level (INFO; botocore's DEBUG output would show the
    access key id in request headers, as AWS's own logging does)."""
    handler = Records()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def assert_no_secret(places: dict[str, list[str]], known: dict[str, str]) -> None:
    for where, texts in places.items():
        for text in texts:
            for name, secret in known.items():
                assert secret not in text, f"{name} leaked into {where}"


def test_no_credential_leaks_from_a_successful_run(
    stack: Stack,
    moto_s3: MotoS3,
    monkeypatch: pytest.MonkeyPatch,
    capfd: Any,
    records: Records,
) -> None:
    known = secrets()
    use_secret_connections(stack, moto_s3, known, monkeypatch)
    dag = load_dags(stack.definitions)["users"]
    assert dag.test().state == "success"
    places = {**metadata_texts("users"), **staged_texts(moto_s3), **log_texts()}
    assert places["rendered"] and places["xcom"] and places["staged contents"]
    out, err = capfd.readouterr()
    places |= {"console": [out, err], "log records": records.lines}
    assert any("Replaced the contents of staging.maestro_users" in t for t in [out, *records.lines])
    assert_no_secret(places, known)


def test_no_credential_leaks_from_a_failing_connection(
    stack: Stack,
    moto_s3: MotoS3,
    monkeypatch: pytest.MonkeyPatch,
    capfd: Any,
    records: Records,
) -> None:
    known = secrets()
    use_secret_connections(stack, moto_s3, known, monkeypatch)
    alerts = FailureTopic(moto_s3.endpoint)
    set_config(stack.definitions, failure_topic_arn=f"'{alerts.arn}'")
    server = stack.server
    closed = f"postgresql://{ROLE}:{known['source_password']}@{server.host}:1/{SOURCE_DB}"
    monkeypatch.setenv("AIRFLOW_CONN_DATADUCT_MAESTRO", closed)
    dag = load_dags(stack.definitions)["users"]
    assert dag.test().state == "failed"
    out, err = capfd.readouterr()
    texts = [out, err, *records.lines]
    assert any("Connection refused" in t or "connection failed" in t for t in texts)
    places = {**metadata_texts("users"), **log_texts(), "console": [out, err]}
    places["log records"] = records.lines
    places["alerts"] = alerts.messages()
    assert places["alerts"], "the failure was alerted"
    assert_no_secret(places, known)
