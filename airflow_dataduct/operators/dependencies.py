"""``pipeline-dependencies``: wait for other pipelines' runs of the same day (docs/steps.md).

A sensor over the DAG runs of each named pipeline whose logical date falls on the day (UTC) of
this run's data interval start (its logical date when scheduled), Dataduct's "same calendar
day" rule: every such run must have succeeded. A failed run fails the step at once, unless its
pipeline is "ok to fail": then the failure is reported (SNS failure topic when configured, else
a warning) and the step carries on. Unlike Dataduct's poller it gives up after ``timeout``
seconds.

Written as a small sensor rather than ``ExternalTaskSensor``, which matches one exact logical
date, not every run of a day; runs are read through the Task SDK's execution API
(``GetPreviousDagRun``), as ``TaskInstance.get_previous_dagrun`` does for its own DAG.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Any

from airflow.sdk import BaseSensorOperator
from airflow.sdk.exceptions import AirflowFailException

log = logging.getLogger(__name__)

DEFAULT_DAY = "{{ (data_interval_start or dag_run.run_after).strftime('%Y-%m-%d') }}"
FAILED_STATES = frozenset({"failed"})
RunStates = Callable[[str, dt.date], list[str]]


def runs_on_day(dag_id: str, day: dt.date) -> list[str]:
    """States of ``dag_id``'s runs whose logical date is on ``day`` (UTC), newest first."""
    # deferred: exists only inside a running task
    from airflow.sdk.execution_time.comms import GetPreviousDagRun

    # deferred: exists only inside a running task
    from airflow.sdk.execution_time.task_runner import SUPERVISOR_COMMS

    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.timezone.utc)
    before = start + dt.timedelta(days=1)
    states = []
    while True:
        response = SUPERVISOR_COMMS.send(GetPreviousDagRun(dag_id=dag_id, logical_date=before))
        run = getattr(response, "dag_run", None)
        if run is None or run.logical_date is None or run.logical_date < start:
            return states
        states.append(str(getattr(run.state, "value", run.state)))
        before = run.logical_date


def dependency_status(
    required: Sequence[str], ok_to_fail: Sequence[str], day: dt.date, states_of: RunStates
) -> tuple[list[str], list[str]]:
    """(pipelines still waited for, ok-to-fail pipelines that failed); raises
    AirflowFailException when a required pipeline failed."""
    waiting, failed_ok = [], []
    for dag_id in [*required, *ok_to_fail]:
        states = states_of(dag_id, day)
        if any(s in FAILED_STATES for s in states):
            if dag_id not in ok_to_fail:
                raise AirflowFailException(f"pipeline {dag_id} has a failed run on {day}")
            failed_ok.append(dag_id)
        elif not states or any(s != "success" for s in states):
            waiting.append(dag_id)
    return waiting, failed_ok


def rendered_day(value: object) -> dt.date:
    """The rendered ``start_date`` as a date; AirflowFailException (no retry can fix a bad
    template) when it is not ``YYYY-MM-DD``."""
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AirflowFailException(
            f"start_date rendered as {text!r}, not a YYYY-MM-DD date"
        ) from None


class PipelineDependenciesSensor(BaseSensorOperator):
    """Succeed once every dependency's runs of the day have succeeded.

    Plus the arguments of Airflow's ``BaseSensorOperator`` (``poke_interval``, ``timeout``,
    ...); ``mode`` defaults to ``reschedule``.

    :param dependencies: the DAG ids of the pipelines whose runs of ``day`` must all succeed
        (a failed run fails the task without retry).
    :param ok_to_fail: DAG ids also waited for, whose failed runs are reported (SNS or a
        warning) instead of failing the task; default none.
    :param day: the day whose runs count, rendering to ``YYYY-MM-DD``; templated. The default
        is the day (UTC) of the run's data interval start, else of its ``run_after``; any
        other rendering fails the task without retry.
    :param sns_topic_arn: the SNS topic told of failed ``ok_to_fail`` runs; None (the
        default): a warning in the task log only.
    :param sns_conn_id: the AWS connection publishing to SNS (default ``aws_default``).
    :param pipeline_name: this pipeline's name in the SNS subject (default ``""``).
    :param states_of: ``(dag_id, day) -> states of its runs that day``, for tests; None (the
        default): read through the Task SDK's execution API (:func:`runs_on_day`).
    """

    template_fields: Sequence[str] = ("day",)
    ui_color = "#ece3f7"

    def __init__(
        self,
        *,
        dependencies: Sequence[str],
        ok_to_fail: Sequence[str] = (),
        day: str = DEFAULT_DAY,
        sns_topic_arn: str | None = None,
        sns_conn_id: str = "aws_default",
        pipeline_name: str = "",
        states_of: RunStates | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.dependencies = list(dependencies)
        self.ok_to_fail = list(ok_to_fail)
        self.day = day
        self.sns_topic_arn = sns_topic_arn
        self.sns_conn_id = sns_conn_id
        self.pipeline_name = pipeline_name
        self.states_of = states_of

    def poke(self, context: Any) -> bool:
        day = rendered_day(self.day)
        waiting, failed_ok = dependency_status(
            self.dependencies, self.ok_to_fail, day, self.states_of or runs_on_day
        )
        if waiting:
            log.info("Waiting for the runs of %s on %s", ", ".join(waiting), day)
            return False
        if failed_ok:
            self._report(failed_ok, day)
        log.info("Dependencies done for %s", day)
        return True

    def _report(self, failed: list[str], day: dt.date) -> None:
        message = f"Failed dependencies: {', '.join(failed)} (runs of {day})"
        log.warning("%s", message)
        if self.sns_topic_arn:
            # deferred: start-up time
            from airflow.providers.amazon.aws.hooks.sns import SnsHook

            SnsHook(aws_conn_id=self.sns_conn_id).publish_to_target(
                self.sns_topic_arn,
                message,
                subject=f"Dependency error for pipeline: {self.pipeline_name}."[:100],
            )
