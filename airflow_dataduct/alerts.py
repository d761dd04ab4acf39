"""Failure alerts and QA warnings: SNS (Airflow's SnsNotifier) and any notifier by import path.

Dataduct's alarm hung off its teardown step, so it reported the teardown and arrived with
``Error Message: null``. Here every task's failure callback reports the task that failed, with
its real error and a link to its log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_dataduct.errors import DataductError
from airflow_dataduct.notifiers import NotifierSpec

log = logging.getLogger(__name__)

SUBJECT_LIMIT = 99
"""SNS subjects must be shorter than 100 characters."""
ERROR_LIMIT = 4000
"""Error text kept in a message (SNS messages may be 256 KB; mail readers tire sooner)."""


@dataclass(frozen=True)
class AlertSettings:
    """Where a pipeline's failure alerts and QA warnings go."""

    aws_conn_id: str | None = "aws_default"
    failure_topic_arn: str | None = None
    warning_topic_arn: str | None = None
    failure_notifiers: tuple[NotifierSpec, ...] = ()
    warning_notifiers: tuple[NotifierSpec, ...] = ()

    @property
    def alerts_on_failure(self) -> bool:
        return bool(self.failure_topic_arn or self.failure_notifiers)


def _run_date(context: Mapping[str, Any]) -> str:
    """The run's date as Dataduct's ``@scheduledStartTime``: the data interval start."""
    for key in ("data_interval_start", "logical_date"):
        value = context.get(key)
        if value is not None:
            return value.isoformat()
    dag_run = context.get("dag_run")
    return str(getattr(dag_run, "run_after", "unknown"))


def failure_message(context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, message) naming the pipeline, the failed task, the run, the error and the log."""
    ti = context["ti"]
    error = context.get("exception")
    if isinstance(getattr(error, "__cause__", None), DataductError):
        error = error.__cause__  # the check's own failure, raised to Airflow as "no retry"
    text = f"{type(error).__name__}: {error}" if error is not None else "(no error recorded)"
    if len(text) > ERROR_LIMIT:
        text = text[:ERROR_LIMIT] + " [...]"
    subject = f"Airflow-Dataduct pipeline {ti.dag_id} failed: {ti.task_id}"
    lines = [
        f"Pipeline: {ti.dag_id}",
        f"Failed task: {ti.task_id} (try {ti.try_number})",
        f"Run: {ti.run_id}",
        f"Run date (scheduled start): {_run_date(context)}",
        f"Error: {text}",
        f"Log: {ti.log_url}",
    ]
    return subject[:SUBJECT_LIMIT], "\n".join(lines)


def publish_sns(aws_conn_id: str | None, topic_arn: str, subject: str, message: str) -> None:
    """Publish one message through Airflow's SnsNotifier (not rendered: error text may hold
    ``{{``)."""
    # deferred: start-up time
    from airflow.providers.amazon.aws.notifications.sns import SnsNotifier

    SnsNotifier(
        aws_conn_id=aws_conn_id, target_arn=topic_arn, message=message, subject=subject
    ).notify({})


def _call_notifiers(
    specs: tuple[NotifierSpec, ...], context: Mapping[str, Any], subject: str, message: str
) -> None:
    alert_context = {**context, "dataduct_alert": {"subject": subject, "message": message}}
    for spec in specs:
        try:
            spec.build()(alert_context)
        except Exception:  # one broken notifier must not silence the others
            log.exception("Notifier %s failed", spec.path)


class FailureAlert:
    """A task ``on_failure_callback``: one alert per failed task (after its last try)."""

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings

    def __call__(self, context: Mapping[str, Any]) -> None:
        subject, message = failure_message(context)
        if self.settings.failure_topic_arn:
            try:
                publish_sns(
                    self.settings.aws_conn_id, self.settings.failure_topic_arn, subject, message
                )
            except Exception:
                log.exception("SNS failure alert to %s failed", self.settings.failure_topic_arn)
        _call_notifiers(self.settings.failure_notifiers, context, subject, message)


def publish_warning(
    settings: AlertSettings,
    context: Mapping[str, Any],
    test_name: str,
    summary: str,
    topic_arn: str | None = None,
) -> None:
    """Dataduct's QA warning: subject ``Failure on <test_name>``, the summary as message."""
    subject = f"Failure on {test_name}"[:SUBJECT_LIMIT]
    topic = topic_arn or settings.warning_topic_arn
    if topic:
        publish_sns(settings.aws_conn_id, topic, subject, summary)
    _call_notifiers(settings.warning_notifiers, context, subject, summary)
