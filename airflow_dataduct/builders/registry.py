"""Builders: one function per step type, from a validated step to an operator."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from airflow.sdk import BaseOperator, TaskGroup

from airflow_dataduct.alerts import AlertSettings, NotifierSpec
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline, StepSpec
from airflow_dataduct.model.steps.base import StepParams
from airflow_dataduct.qa.outcome import QaPolicy

STAGING_RUN = "{{ run_id | dataduct_path }}"
"""The run's part of a staging path, rendered when the task runs."""


@dataclass(frozen=True)
class BuildContext:
    """What a builder may use besides its step: the pipeline and the shared configuration."""

    pipeline: Pipeline
    config: DataductConfig

    @functools.cached_property
    def source_lines(self) -> list[str]:
        """The pipeline file's lines, split once for every task's docs."""
        return self.pipeline.source_text.splitlines()

    def staging_prefix(self, step_name: str) -> str:
        """The templated staging location of ``step_name``'s output for the current run; an
        ``output_node`` name is a subfolder of its transform's output."""
        producer = self.pipeline.output_nodes.get(step_name)
        if producer is not None:
            return f"{self.pipeline.dag_id}/{STAGING_RUN}/{producer}/{step_name}"
        return f"{self.pipeline.dag_id}/{STAGING_RUN}/{step_name}"

    def extract_kwargs(self, step: StepSpec) -> dict[str, Any]:
        """Where an extract stages its output: the step's own prefix, parts of
        ``staging.part_size_mb``, and its ``output_path`` copy, if any."""
        return {
            "staging_prefix": self.staging_prefix(step.name),
            "part_size": self.config.staging.part_size_mb << 20,
            "output_path": getattr(step.params, "output_path", None),
            **self.staging_kwargs(),
        }

    def staging_kwargs(self) -> dict[str, Any]:
        return {
            "staging_location": self.config.staging_location(),
            "aws_conn_id": self.config.staging.aws_conn_id,
        }

    def warehouse_kwargs(self) -> dict[str, Any]:
        return {
            "warehouse_conn_id": self.config.warehouse.conn_id,
            "search_path": tuple(self.config.warehouse.search_path),
            "permissions": tuple(self.config.database.permissions),
        }

    def host_conn_id(self, alias: str) -> str:
        """The Airflow connection id of a Dataduct host alias (validated to exist)."""
        return self.config.hosts[alias]

    def test_name(self, step: StepSpec) -> str:
        """Dataduct's QA test name: ``<pipeline>.<step>``."""
        return f"{self.pipeline.dag_id}.{step.name}"

    def task_kwargs(self, step: StepSpec) -> dict[str, Any]:
        """task_id, retries and docs common to every task of ``step``."""
        kwargs: dict[str, Any] = {
            "task_id": step.name,
            "doc_md": step_doc(step, self.source_lines),
        }
        if step.params.max_retries is not None:
            kwargs["retries"] = step.params.max_retries
            kwargs["retry_delay"] = dt.timedelta(minutes=self.config.defaults.retry_delay_minutes)
        if step.params.execution_timeout is not None:
            kwargs["execution_timeout"] = step.params.execution_timeout
        return kwargs

    def qa_kwargs(self, step: StepSpec) -> dict[str, Any]:
        """``qa_policy`` of a QA check operator: warn or fail, alerts, and the history table."""
        policy = QaPolicy(
            pipeline=self.pipeline.dag_id,
            warn=self.config.qa.on_failure == "warn",
            topic_arn=getattr(step.params, "sns_topic_arn", None),
            alerts=alert_settings(self.pipeline.topic_arn, self.config),
            history_table=self.config.qa.history_table,
            **self._qa_log(step),
        )
        return {"qa_policy": policy}

    def _qa_log(self, step: StepSpec) -> dict[str, Any]:
        """Where a ``log_to_s3`` check writes its result row (Dataduct's QA TSV rows)."""
        if not getattr(step.params, "log_to_s3", False):
            return {}
        qa = self.config.qa
        location = qa.log_location or f"{self.config.staging_location()}/qa"
        return {
            "log_location": f"{location.rstrip('/')}/{qa.log_path}",
            "path_suffix": getattr(step.params, "path_suffix", None),
            "aws_conn_id": self.config.staging.aws_conn_id,
        }


def step_excerpt(lines: Sequence[str], line: int, column: int) -> list[str]:
    """The lines of the step whose first key is at ``line``:``column`` (1-based): up to the
    next line indented less (the next step, or the next top-level key), trailing blank and
    comment lines left out."""
    if not 0 < line <= len(lines):
        return []
    end = line
    while end < len(lines):
        text = lines[end]
        indent = len(text) - len(text.lstrip())
        if text.strip() and indent < max(column - 1, 1) and not text.lstrip().startswith("#"):
            break
        end += 1
    excerpt = list(lines[line - 1 : end])
    while excerpt and (not excerpt[-1].strip() or excerpt[-1].lstrip().startswith("#")):
        excerpt.pop()
    return excerpt


def step_doc(step: StepSpec, lines: Sequence[str] = ()) -> str:
    """Markdown for a task's docs: the step type, its file and line, and the step's YAML with
    line numbers (a code block: keys keep their underscores, long values scroll)."""
    where = step.location
    name = where.path.rsplit("/", 1)[-1]
    head = f"**{step.step_type}** step {step.name}: `{name}`, line {where.line}"
    excerpt = step_excerpt(lines, where.line, where.column)
    if not excerpt:
        return head
    width = len(str(where.line + len(excerpt)))
    numbered = [f"{where.line + i:>{width}}  {text}" for i, text in enumerate(excerpt)]
    return "\n".join([head, "", "```yaml", *numbered, "```"])


P = TypeVar("P", bound=StepParams)


@dataclass(frozen=True)
class StepBuilder(Generic[P]):
    """A step type's registration: its parameter model and the function that builds its task
    (an operator or a task group) from a validated step of that model."""

    params: type[P]
    build: Callable[[BuildContext, StepSpec, P], BaseOperator | TaskGroup]

    def __call__(self, ctx: BuildContext, step: StepSpec) -> BaseOperator | TaskGroup:
        if not isinstance(step.params, self.params):
            raise TypeError(
                f"step '{step.name}' ({step.step_type}) has {type(step.params).__name__} "
                f"parameters; its builder takes {self.params.__name__}"
            )
        return self.build(ctx, step, step.params)


def alert_settings(topic_arn: str | None, config: DataductConfig) -> AlertSettings:
    """A pipeline's alert settings: its ``topic_arn`` wins over ``sns.failure_topic_arn``."""

    def specs(kind: str) -> tuple[NotifierSpec, ...]:
        return tuple(
            NotifierSpec(n.notifier, tuple(sorted(n.args.items())))
            for n in config.alerts.notifiers
            if kind in n.on
        )

    return AlertSettings(
        aws_conn_id=config.sns.aws_conn_id,
        failure_topic_arn=topic_arn or config.sns.failure_topic_arn,
        warning_topic_arn=config.sns.warning_topic_arn,
        failure_notifiers=specs("failure"),
        warning_notifiers=specs("warning"),
    )
