"""System tests against real AWS: a Redshift cluster or Serverless workgroup, S3 and SNS.

Configured only by environment variables (and the Airflow connections they name); without
them every test here is skipped with one reason, so ``make test`` never needs AWS.

* ``DATADUCT_SYSTEM_REDSHIFT_CONN_ID``: an Airflow connection of type ``redshift`` (for
  example from ``AIRFLOW_CONN_<ID>``) to a database the tests may create schemas in;
* ``DATADUCT_SYSTEM_STAGING``: ``s3://bucket/prefix`` the tests may write under;
* ``DATADUCT_SYSTEM_SNS_TOPIC_ARN``: an SNS topic the tests may publish to;
* optional: ``DATADUCT_SYSTEM_IAM_ROLE`` (else COPY uses the AWS connection's keys),
  ``DATADUCT_SYSTEM_AWS_CONN_ID`` (default ``aws_default``), ``DATADUCT_SYSTEM_REGION``
  (``staging.region``: the bucket's region when it is not the cluster's).

Every statement sent to Redshift, in this process and in the ``airflow dags test`` processes,
passes the Redshift conformance checker first (tests/system/conformance.py).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redshift_connector

from tests.redshift_conformance import RedshiftConformance
from tests.system.conformance import checked_execute

REQUIRED = (
    "DATADUCT_SYSTEM_REDSHIFT_CONN_ID",
    "DATADUCT_SYSTEM_STAGING",
    "DATADUCT_SYSTEM_SNS_TOPIC_ARN",
)


def missing() -> list[str]:
    return [name for name in REQUIRED if not os.environ.get(name)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every system test, with one reason, when AWS is not configured."""
    absent = missing()
    if not absent:
        return
    reason = f"system tests need real AWS: set {', '.join(absent)} (see docs/redshift.md)"
    for item in items:
        if "tests/system/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.skip(reason=reason))


@dataclass(frozen=True)
class Aws:
    """The configured account: warehouse connection, staging location, topic, a run id."""

    conn_id: str
    staging: str
    topic_arn: str
    iam_role: str | None
    aws_conn_id: str
    region: str | None
    run: str

    @property
    def schema(self) -> str:
        """A schema of this run's own, dropped afterwards."""
        return f"dataduct_system_{self.run}"


@pytest.fixture
def aws() -> Aws:
    return Aws(
        conn_id=os.environ["DATADUCT_SYSTEM_REDSHIFT_CONN_ID"],
        staging=os.environ["DATADUCT_SYSTEM_STAGING"].rstrip("/"),
        topic_arn=os.environ["DATADUCT_SYSTEM_SNS_TOPIC_ARN"],
        iam_role=os.environ.get("DATADUCT_SYSTEM_IAM_ROLE") or None,
        aws_conn_id=os.environ.get("DATADUCT_SYSTEM_AWS_CONN_ID", "aws_default"),
        region=os.environ.get("DATADUCT_SYSTEM_REGION") or None,
        run=uuid.uuid4().hex[:10],
    )


@pytest.fixture(autouse=True)
def conforming_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every statement this process sends to Redshift passes the conformance checker."""
    monkeypatch.setattr(
        redshift_connector.Cursor, "execute", checked_execute(RedshiftConformance())
    )
    yield
