"""The end of every QA check: record the result, then pass, warn (Dataduct) or fail.

Shared by all QA operators: call :func:`finish_check` with the result dict and a summary.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from airflow_dataduct.alerts import AlertSettings, publish_warning
from airflow_dataduct.errors import DataQualityCheckFailed
from airflow_dataduct.qa.history import append_result, write_result_row

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QaPolicy:
    """What a failed check does, and where results are recorded."""

    pipeline: str
    warn: bool = False
    """Config ``qa.on_failure: warn``: alert and let the run continue."""
    topic_arn: str | None = None
    """The step's ``sns_topic_arn``: warn to this topic (Dataduct's semantics), else fail."""
    alerts: AlertSettings = field(default_factory=AlertSettings)
    history_table: str | None = None
    log_location: str | None = None
    """``log_to_s3``: the folder result rows go to (``<location>/<log path>``), else None."""
    path_suffix: str | None = None
    """``--path_suffix=``: a subfolder under ``log_location`` (a template, rendered per run)."""
    aws_conn_id: str = "aws_default"

    @property
    def warns(self) -> bool:
        return self.warn or self.topic_arn is not None


def run_date(context: Mapping[str, Any]) -> dt.datetime | None:
    """The run's scheduled start (data interval start), else its logical date or run_after."""
    for key in ("data_interval_start", "logical_date"):
        if context.get(key) is not None:
            return context[key]
    return getattr(context.get("dag_run"), "run_after", None)


def task_identity(context: Mapping[str, Any]) -> dict[str, Any]:
    """The Airflow ids of the running check (dag, run, task, map index, try), for links."""
    ti = context.get("ti")
    if ti is None:
        return {}
    names = ("dag_id", "run_id", "task_id", "map_index", "try_number")
    return {name: getattr(ti, name, None) for name in names}


def show_summary(context: Mapping[str, Any], summary: str) -> None:
    """Push ``summary`` as the XCom ``qa_summary``: one line of text on the task instance's
    XCom tab, next to the collapsed result."""
    ti = context.get("ti")
    if ti is not None:
        ti.xcom_push(key="qa_summary", value=summary)


def outcome(success: bool, policy: QaPolicy | None) -> str:
    """``pass``, ``warn`` (failed, the run continues) or ``fail``."""
    if success:
        return "pass"
    return "fail" if qa_should_fail(success, policy) else "warn"


def qa_should_fail(success: bool, policy: QaPolicy | None) -> bool:
    """The warn/fail decision alone: a failed check fails the task unless the policy warns."""
    return not success and not (policy is not None and policy.warns)


def finish_check(
    *,
    result: dict[str, Any],
    summary: str,
    policy: QaPolicy | None,
    warehouse: Any,
    context: Mapping[str, Any],
) -> dict[str, Any]:
    """Record ``result`` in the history table, then return it, or warn, or raise
    ``DataQualityCheckFailed(summary)`` (as Airflow's AirflowFailException: no retry)."""

    if policy is not None and policy.history_table:
        append_result(
            warehouse,
            policy.history_table,
            policy.pipeline,
            {**result, "summary": summary, "outcome": outcome(bool(result.get("success")), policy)},
            run_date(context),
            task_identity(context),
        )
    if policy is not None and policy.log_location:
        write_result_row(policy, result, context)
    show_summary(context, summary)
    if result.get("success"):
        log.info("%s passed", summary)
        return result
    if qa_should_fail(False, policy):
        failure = DataQualityCheckFailed(summary)
        raise AirflowFailException(str(failure)) from failure
    assert policy is not None
    log.warning("QA warning (the run continues): %s", summary)
    publish_warning(policy.alerts, context, result.get("test_name", ""), summary, policy.topic_arn)
    return result
