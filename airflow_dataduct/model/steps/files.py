"""Parameters of the file and script steps: ``extract-local``, ``extract-s3``, ``transform``,
``qa-transform`` and ``pipeline-dependencies`` (docs/steps.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from airflow_dataduct.model.runner_flags import FlagParser
from airflow_dataduct.model.steps.base import (
    Identifier,
    NonEmpty,
    OutputPath,
    StepParams,
    exactly_one,
    missing_file,
)
from airflow_dataduct.model.steps.base import _as_list as as_list  # one name or a list
from airflow_dataduct.types import SnsArn

ScalarArgument = str | int | float | bool
ScriptArguments = list[ScalarArgument | dict[str, ScalarArgument]] | dict[str, ScalarArgument] | str


def argument_list(arguments: Any) -> list[str]:
    """Dataduct's ``script_arguments`` as command-line words (docs/steps.md): a ``{k: v}`` entry
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


class ExtractLocalParams(StepParams):
    """``extract-local``: a file of the resource folder staged as the step's output."""

    path: NonEmpty
    output_path: OutputPath | None = None

    def check_resources(self, base_dir: Path) -> list[tuple[str, str]]:
        return missing_file(base_dir, "path", self.path)


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
    """``transform``: a shell command or script over staged input files (docs/steps.md)."""

    command: NonEmpty | None = None
    script: NonEmpty | None = None
    script_uri: NonEmpty | None = None
    script_directory: NonEmpty | None = None
    script_name: NonEmpty | None = None
    script_arguments: ScriptArguments | None = None
    output_node: list[Identifier] | None = None
    output_path: OutputPath | None = None
    """The committed output is also copied here (one subfolder per ``output_node``)."""
    no_output: bool = False
    no_input: bool = False
    resource_type: Literal["ec2", "emr"] | None = None
    """Accepted for compatibility, without effect: the command runs on the Airflow worker."""

    multi_input: ClassVar[bool] = True
    """Takes an ``input_node`` map (docs/pipelines.md)."""

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
        if self.output_path is not None and self.no_output:
            raise ValueError(
                f"output_path: this step writes no output ({self._no_output_reason}), so there "
                "is nothing to copy there"
            )
        if self.no_input and self.input_node not in (None, []):
            raise ValueError("give either input_node or no_input, not both")
        return self

    _no_output_reason: ClassVar[str] = "no_output is set"

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
        return missing_file(base_dir, "script", self.script) + missing_file(
            base_dir, "script_directory", self.script_directory, folder=True
        )


class QATransformParams(TransformParams):
    """``qa-transform``: a transform that checks data; it gets ``--test_name`` (and
    ``--sns_topic_arn``) appended, reads no input and writes no output (docs/steps.md)."""

    sns_topic_arn: NonEmpty | None = None
    no_output: bool = True

    _no_output_reason: ClassVar[str] = "a qa-transform never does"

    multi_input: ClassVar[bool] = False

    @model_validator(mode="after")
    def _no_data(self) -> QATransformParams:
        if self.output_node is not None or not self.no_output:
            raise ValueError("qa-transform writes no output (no output_node, no_output: false)")
        return self


DEFAULT_DEPENDENCY_TIMEOUT = 6 * 3600
"""Seconds a pipeline-dependencies step waits by default: Dataduct's EC2 ``terminate_after``
(6 hours) was the only bound on its poller."""


PipelineNames = Annotated[
    list[Identifier], BeforeValidator(as_list, json_schema_input_type=str | list[str])
]
RefreshRate = Annotated[int, Field(ge=1, le=86_400)]
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_or_template(value: Any) -> Any:
    """``start_date``: a ``YYYY-MM-DD`` date, or a template (a translated DP expression)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and "{{" in value:
        return value
    if isinstance(value, str) and _DAY.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(
        "start_date: expected a date YYYY-MM-DD or a DP expression such as "
        f"#{{format(@scheduledStartTime,'YYYY-MM-dd')}}, got {value!r}"
    )


DayOrTemplate = Annotated[
    dt.date | str, BeforeValidator(_day_or_template, json_schema_input_type=str)
]

DEPENDENCY_FLAGS: dict[str, str | None] = {
    "--dependencies": "dependent_pipelines",
    "--dependencies_ok_to_fail": "dependent_pipelines_ok_to_fail",
    "--refresh_rate": "refresh_rate",
    "--start_date": "start_date",
    "--sns_topic_arn": None,
    "--pipeline_name": None,
}
"""The flags of Dataduct's dependency-check executor (docs/steps.md), and the step key each one
stands for (None: the flag has no key)."""
_LIST_FLAGS = ("--dependencies", "--dependencies_ok_to_fail")
_SCRIPT_ARGUMENTS: TypeAdapter[Any] = TypeAdapter(ScriptArguments)


class _Once(argparse.Action):
    """Store a flag's value; a second occurrence is an error (argparse would keep the last)."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        if getattr(namespace, self.dest) is not None:
            raise argparse.ArgumentError(self, "given more than once")
        setattr(namespace, self.dest, values)


def parse_dependency_flags(words: list[str]) -> dict[str, Any]:
    """The executor's flags among command-line ``words`` (``--refresh_rate=60``,
    ``--dependencies a b``), by name without dashes; ValueError for anything else."""
    parser = FlagParser("pipeline-dependencies")
    for flag in DEPENDENCY_FLAGS:
        parser.add_argument(flag, nargs="+" if flag in _LIST_FLAGS else None, action=_Once)
    return parser.parse_flags(words, example="--dependencies a b")


class DependencyArguments(BaseModel):
    """``script_arguments`` of ``pipeline-dependencies``: Dataduct's executor flags, in any of
    Dataduct's forms (a list of words and ``{flag: value}`` maps, a map, one word), each
    validated like the step key it stands for."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )

    dependencies: PipelineNames = []
    dependencies_ok_to_fail: PipelineNames = []
    refresh_rate: RefreshRate | None = None
    start_date: DayOrTemplate | None = None
    sns_topic_arn: SnsArn | None = None
    """The topic of the ok-to-fail alert, instead of ``sns.failure_topic_arn``."""
    pipeline_name: Identifier | None = None
    """The pipeline named in the alert's subject, instead of this one."""

    @model_validator(mode="before")
    @classmethod
    def _from_words(cls, value: Any) -> Any:
        if isinstance(value, DependencyArguments):
            return value
        try:
            arguments = _SCRIPT_ARGUMENTS.validate_python(value)
        except ValidationError:
            raise ValueError(
                "script_arguments: expected a list of arguments, a mapping or a string, "
                f"got {value!r}"
            ) from None
        return parse_dependency_flags(argument_list(arguments))


class PipelineDependenciesParams(StepParams):
    """``pipeline-dependencies``: wait until the named pipelines' runs of the same day have
    succeeded (docs/steps.md), with a timeout."""

    script_arguments: DependencyArguments | None = None
    """Dataduct's executor flags; each stands for its key. Declared first, so that the keys
    below can check they are not given twice."""
    dependent_pipelines: PipelineNames = []
    dependent_pipelines_ok_to_fail: PipelineNames = []
    refresh_rate: RefreshRate = 300
    """Seconds between two looks (the sensor's poke interval)."""
    start_date: DayOrTemplate | None = None
    """The day whose runs count (a date, or a DP expression giving one); default: the day of
    this run's data interval start."""
    timeout: Annotated[int, Field(ge=1, le=7 * 86_400)] = DEFAULT_DEPENDENCY_TIMEOUT
    """Seconds to wait before failing (Dataduct waited forever)."""

    @field_validator(
        "dependent_pipelines", "dependent_pipelines_ok_to_fail", "refresh_rate", "start_date"
    )
    @classmethod
    def _not_also_a_flag(cls, value: Any, info: ValidationInfo) -> Any:
        flags = info.data.get("script_arguments")
        flag = next(f for f, key in DEPENDENCY_FLAGS.items() if key == info.field_name)
        if flags is not None and value not in (None, []) and getattr(flags, flag[2:]):
            raise ValueError(
                f"{info.field_name}: also given as '{flag}' in script_arguments (give it once)"
            )
        return value

    @model_validator(mode="after")
    def _some_dependency(self) -> PipelineDependenciesParams:
        if not self.pipelines and not self.pipelines_ok_to_fail:
            raise ValueError(
                "give dependent_pipelines and/or dependent_pipelines_ok_to_fail (found neither)"
            )
        overlap = set(self.pipelines) & set(self.pipelines_ok_to_fail)
        if overlap:
            raise ValueError(f"listed both as dependency and ok to fail: {sorted(overlap)}")
        return self

    @property
    def flags(self) -> DependencyArguments:
        """The executor flags of ``script_arguments`` (none when it is not given)."""
        return self.script_arguments or _NO_FLAGS

    @property
    def pipelines(self) -> list[str]:
        """Pipelines whose runs must succeed: the key, or ``--dependencies``."""
        return self.dependent_pipelines or self.flags.dependencies

    @property
    def pipelines_ok_to_fail(self) -> list[str]:
        """Pipelines whose failure is reported only: the key, or ``--dependencies_ok_to_fail``."""
        return self.dependent_pipelines_ok_to_fail or self.flags.dependencies_ok_to_fail

    @property
    def poke_interval(self) -> int:
        """Seconds between two looks: ``--refresh_rate``, else the key."""
        return self.flags.refresh_rate or self.refresh_rate

    @property
    def day(self) -> dt.date | str | None:
        """The day whose runs count (a date or a template), None for the run's own day."""
        return self.start_date if self.start_date is not None else self.flags.start_date


_NO_FLAGS = DependencyArguments()


STEP_MODELS: dict[str, type[StepParams]] = {
    "extract-local": ExtractLocalParams,
    "extract-s3": ExtractS3Params,
    "transform": TransformParams,
    "qa-transform": QATransformParams,
    "pipeline-dependencies": PipelineDependenciesParams,
}
