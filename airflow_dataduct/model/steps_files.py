"""Parameters of the file and script steps: ``extract-local``, ``extract-s3``, ``transform``,
``qa-transform`` and ``pipeline-dependencies`` (spec §3.1, 3.2, 3.15, 3.16, 3.20)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from airflow_dataduct.model.steps import (
    NOT_YET_SUPPORTED_KEYS,
    Identifier,
    NameList,
    NonEmpty,
    OutputPath,
    StepParams,
    exactly_one,
    register_step_models,
)

ScalarArgument = str | int | float | bool
ScriptArguments = list[ScalarArgument | dict[str, ScalarArgument]] | dict[str, ScalarArgument] | str


def argument_list(arguments: Any) -> list[str]:
    """Dataduct's ``script_arguments`` as command-line words (spec §3.15): a ``{k: v}`` entry
    becomes ``--k=v``; anything else its text."""
    if arguments is None:
        return []
    if isinstance(arguments, dict):
        return [f"--{key}={_text(value)}" for key, value in arguments.items()]
    if isinstance(arguments, (str, int, float)):
        return [_text(arguments)]
    words: list[str] = []
    for item in arguments:
        words.extend(argument_list(item) if isinstance(item, dict) else [_text(item)])
    return words


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _s3_uri(value: str | None) -> str | None:
    if value is not None and not value.startswith("s3://"):
        raise ValueError(f"expected an s3:// URI, got '{value}'")
    return value


def _missing(base_dir: Path, key: str, relative: str | None, folder: bool = False) -> list:
    if relative is None:
        return []
    path = base_dir / relative
    exists = path.is_dir() if folder else path.is_file()
    if exists:
        return []
    what = "folder" if folder else "file"
    return [(key, f"{key}: {what} '{relative}' not found ({path})")]


class ExtractLocalParams(StepParams):
    """``extract-local``: a file of the resource folder staged as the step's output."""

    path: NonEmpty
    output_path: OutputPath | None = None

    def check_resources(self, base_dir: Path) -> list[tuple[str, str]]:
        return _missing(base_dir, "path", self.path)


class ExtractS3Params(StepParams):
    """``extract-s3``: existing data on S3 (a prefix or one object) as the step's output."""

    directory_uri: NonEmpty | None = None
    file_uri: NonEmpty | None = None

    @field_validator("directory_uri", "file_uri")
    @classmethod
    def _is_s3(cls, value: str | None) -> str | None:
        return _s3_uri(value)

    @model_validator(mode="after")
    def _one_location(self) -> ExtractS3Params:
        exactly_one(self, "directory_uri", "file_uri")
        return self

    @property
    def uri(self) -> str:
        return self.directory_uri or self.file_uri or ""


class TransformParams(StepParams):
    """``transform``: a shell command or script over staged input files (spec §3.15)."""

    command: NonEmpty | None = None
    script: NonEmpty | None = None
    script_uri: NonEmpty | None = None
    script_directory: NonEmpty | None = None
    script_name: NonEmpty | None = None
    script_arguments: ScriptArguments | None = None
    output_node: list[Identifier] | None = None
    no_output: bool = False
    no_input: bool = False
    resource_type: Literal["ec2", "emr"] | None = None
    """Accepted for compatibility, without effect: the command runs on the Airflow worker."""

    multi_input: ClassVar[bool] = True
    """Takes an ``input_node`` map (spec §2.3)."""

    @field_validator("script_uri")
    @classmethod
    def _is_s3(cls, value: str | None) -> str | None:
        return _s3_uri(value)

    @model_validator(mode="after")
    def _one_program(self) -> TransformParams:
        exactly_one(self, "command", "script", "script_uri", "script_directory")
        if (self.script_directory is None) != (self.script_name is None):
            raise ValueError("script_name goes with script_directory, and only with it")
        if self.output_node is not None:
            if not self.output_node:
                raise ValueError("output_node: list at least one node name")
            if len(set(self.output_node)) != len(self.output_node):
                raise ValueError("output_node: names must be unique")
            if self.no_output:
                raise ValueError("give either output_node or no_output, not both")
        if self.no_input and self.input_node not in (None, []):
            raise ValueError("give either input_node or no_input, not both")
        return self

    @property
    def output_nodes(self) -> tuple[str, ...]:
        return tuple(self.output_node or ())

    @property
    def takes_input(self) -> bool:
        return not self.no_input

    def arguments(self) -> list[str]:
        """The command-line words of ``script_arguments``."""
        return argument_list(self.script_arguments)

    def check_resources(self, base_dir: Path) -> list[tuple[str, str]]:
        return _missing(base_dir, "script", self.script) + _missing(
            base_dir, "script_directory", self.script_directory, folder=True
        )


class QATransformParams(TransformParams):
    """``qa-transform``: a transform that checks data; it gets ``--test_name`` (and
    ``--sns_topic_arn``) appended, reads no input and writes no output (spec §3.16)."""

    sns_topic_arn: NonEmpty | None = None
    no_output: bool = True

    multi_input: ClassVar[bool] = False

    @model_validator(mode="after")
    def _no_data(self) -> QATransformParams:
        if self.output_node is not None or not self.no_output:
            raise ValueError("qa-transform writes no output (no output_node, no_output: false)")
        return self


DEFAULT_DEPENDENCY_TIMEOUT = 6 * 3600
"""Seconds a pipeline-dependencies step waits by default: Dataduct's EC2 ``terminate_after``
(6 hours) was the only bound on its poller."""


class PipelineDependenciesParams(StepParams):
    """``pipeline-dependencies``: wait until the named pipelines' runs of the same day have
    succeeded (spec §3.20), with a timeout."""

    dependent_pipelines: NameList = []
    dependent_pipelines_ok_to_fail: NameList = []
    refresh_rate: Annotated[int, Field(ge=1, le=86_400)] = 300
    """Seconds between two looks (the sensor's poke interval)."""
    start_date: dt.date | None = None
    """The day whose runs count; default: the day of this run's data interval start."""
    timeout: Annotated[int, Field(ge=1, le=7 * 86_400)] = DEFAULT_DEPENDENCY_TIMEOUT
    """Seconds to wait before failing (Dataduct waited forever)."""

    @model_validator(mode="after")
    def _some_dependency(self) -> PipelineDependenciesParams:
        if not self.dependent_pipelines and not self.dependent_pipelines_ok_to_fail:
            raise ValueError(
                "give dependent_pipelines and/or dependent_pipelines_ok_to_fail (found neither)"
            )
        overlap = set(self.dependent_pipelines) & set(self.dependent_pipelines_ok_to_fail)
        if overlap:
            raise ValueError(f"listed both as dependency and ok to fail: {sorted(overlap)}")
        return self


register_step_models(
    {
        "extract-local": ExtractLocalParams,
        "extract-s3": ExtractS3Params,
        "transform": TransformParams,
        "qa-transform": QATransformParams,
        "pipeline-dependencies": PipelineDependenciesParams,
    }
)
NOT_YET_SUPPORTED_KEYS.update(
    {
        "transform": frozenset({"output_path"}),
        "qa-transform": frozenset({"output_path"}),
        "pipeline-dependencies": frozenset({"script_arguments"}),
    }
)
