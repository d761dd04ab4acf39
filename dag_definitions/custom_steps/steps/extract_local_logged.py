"""A worked custom step: ``extract-local-logged``, an extract-local that logs the file's size.

Registered in dataduct.yaml (``custom_steps``). A custom step class has ``params`` (a
``StepParams`` subclass: the step's YAML keys, validated like a built-in's), ``build(ctx, step)``
(returns the Airflow operator) and, optionally, ``kind`` (Dataduct class name and chaining).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from airflow_dataduct.builders import BuildContext
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps.base import StepKind
from airflow_dataduct.model.steps.files import ExtractLocalParams
from airflow_dataduct.operators.extract_files import ExtractLocalOperator

log = logging.getLogger(__name__)


class ExtractLocalLoggedParams(ExtractLocalParams):
    """The keys of extract-local, plus ``min_bytes``: fail when the file is smaller."""

    min_bytes: int = 0


class LoggedExtractLocalOperator(ExtractLocalOperator):
    """extract-local, after logging (and checking) the file's size."""

    def __init__(self, *, min_bytes: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min_bytes = min_bytes

    def execute(self, context: Any) -> dict[str, Any]:
        size = Path(self.path).stat().st_size
        log.info("Staging %s (%s bytes)", self.path, size)
        if size < self.min_bytes:
            raise ValueError(f"{self.path} has {size} bytes, fewer than {self.min_bytes}")
        return super().execute(context)


class ExtractLocalLoggedStep:
    """step_type ``extract-local-logged``."""

    params = ExtractLocalLoggedParams
    kind = StepKind("ExtractLocalLoggedStep", ("ExtractLocalStep",), drops_input=True)

    @staticmethod
    def build(ctx: BuildContext, step: StepSpec) -> LoggedExtractLocalOperator:
        params = step.params
        assert isinstance(params, ExtractLocalLoggedParams)
        return LoggedExtractLocalOperator(
            path=str(ctx.config.base_dir / params.path),
            min_bytes=params.min_bytes,
            staging_prefix=ctx.staging_prefix(step.name),
            **ctx.staging_kwargs(),
            **ctx.task_kwargs(step),
        )
