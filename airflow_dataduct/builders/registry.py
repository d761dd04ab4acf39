"""Builders: one function per step type, from a validated step to an operator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from airflow.sdk import BaseOperator

from airflow_dataduct.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline, StepSpec

STAGING_RUN = "{{ run_id | dataduct_path }}"
"""The run's part of a staging path, rendered when the task runs."""


@dataclass(frozen=True)
class BuildContext:
    """What a builder may use besides its step: the pipeline and the shared configuration."""

    pipeline: Pipeline
    config: DataductConfig

    def staging_prefix(self, step_name: str) -> str:
        """The templated staging location of ``step_name``'s output for the current run."""
        return f"{self.pipeline.dag_id}/{STAGING_RUN}/{step_name}"

    def staging_kwargs(self) -> dict[str, Any]:
        return {
            "staging_location": self.config.staging_location(),
            "aws_conn_id": self.config.staging.aws_conn_id,
        }

    def warehouse_kwargs(self) -> dict[str, Any]:
        return {
            "warehouse_conn_id": self.config.warehouse.conn_id,
            "search_path": tuple(self.config.warehouse.search_path),
        }

    def host_conn_id(self, alias: str) -> str:
        """The Airflow connection id of a Dataduct host alias (validated to exist)."""
        return self.config.hosts[alias]

    def test_name(self, step: StepSpec) -> str:
        """Dataduct's QA test name: ``<pipeline>.<step>``."""
        return f"{self.pipeline.dag_id}.{step.name}"

    def task_kwargs(self, step: StepSpec) -> dict[str, Any]:
        """task_id, retries and docs common to every task of ``step``."""
        kwargs: dict[str, Any] = {"task_id": step.name, "doc_md": step_doc(step)}
        if step.params.max_retries is not None:
            kwargs["retries"] = step.params.max_retries
            kwargs["retry_delay"] = dt.timedelta(minutes=self.config.defaults.retry_delay_minutes)
        return kwargs


def step_doc(step: StepSpec) -> str:
    """Markdown for a task's docs: the step type, where it is defined, and its keys."""
    keys = step.params.model_dump(exclude_defaults=True, exclude={"step_type"})
    lines = [f"**{step.step_type}** step `{step.name}`, defined at `{step.location}`", ""]
    lines += [f"- `{key}`: `{value}`" for key, value in keys.items()]
    return "\n".join(lines)


Builder = Callable[[BuildContext, StepSpec], BaseOperator]
BUILDERS: dict[str, Builder] = {}


def register(step_type: str) -> Callable[[Builder], Builder]:
    """Register the builder of ``step_type`` (a later registration overrides a built-in)."""

    def decorate(builder: Builder) -> Builder:
        BUILDERS[step_type] = builder
        return builder

    return decorate
