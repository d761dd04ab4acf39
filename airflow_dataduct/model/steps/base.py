"""What every step type shares: the step kind, common keys and value types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from airflow_dataduct.model.schedule import parse_duration

if TYPE_CHECKING:
    from airflow_dataduct.tables.model import Table


@dataclass(frozen=True)
class StepKind:
    """What Dataduct knows of a step type: its class name and how it chains (docs/pipelines.md)."""

    class_name: str
    """Dataduct's class; default step names are ``<ClassName><n>``."""
    ancestors: tuple[str, ...] = ()
    """Dataduct base classes below ETLStep: they count towards the ``<n>`` of default names."""
    outputs_data: bool = True
    """Exposes an S3 node, so the next step implicitly takes it as input (docs/pipelines.md)."""
    drops_input: bool = False
    """Pops its inputs before base processing: no implicit dependency (docs/pipelines.md)."""
    needs_input: bool = False
    """Reads staged data, so it must have an input step."""


def _as_list(value: Any) -> Any:
    """Dataduct accepts a single name where a list of names is meant."""
    return [value] if isinstance(value, str) else value


NameList = Annotated[list[str], BeforeValidator(_as_list)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=200)]
OutputPath = Annotated[str, Field(pattern=r"^s3://[a-z0-9][a-z0-9.\-]{1,62}(/.*)?$")]
"""Dataduct's ``output_path``: an S3 folder that also receives a step's staged output."""
NonEmpty = Annotated[str, Field(min_length=1)]


def _argument_text(value: Any) -> Any:
    """Dataduct passes script arguments as command-line strings: ``4`` becomes ``'4'``."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if isinstance(value, (int, float)) else value


ScriptArguments = list[Annotated[str, BeforeValidator(_argument_text)]]


class StepParams(BaseModel):
    """Keys every step accepts (docs/pipelines.md)."""

    # defer_build: a step model's validator is built when first used, so a task start that
    # reads one pipeline builds only its steps' models (~20 ms less import).
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )

    step_type: str
    name: Identifier | None = None
    description: str | None = None
    depends_on: NameList = []
    input_node: str | dict[str, str] | list[str] | None = None
    input_path: str | None = None
    max_retries: Annotated[int, Field(ge=0, le=100)] | None = None
    execution_timeout: Annotated[dt.timedelta, BeforeValidator(parse_duration)] | None = None
    """Fail a try that runs longer: ``"2 Hours"``, ``"30 Minutes"`` or minutes."""

    table_keys: ClassVar[tuple[str, ...]] = ()
    """Keys whose value is a table definition file; the pipeline reader parses them."""
    primary_key_required: ClassVar[tuple[str, ...]] = ()
    """Table keys whose table must declare a primary key for this step."""
    file_keys: ClassVar[tuple[str, ...]] = ()
    """Keys whose value is a file relative to ``resource_base_path``; the reader checks it."""

    def check_tables(self, tables: dict[str, Table]) -> list[tuple[str, str]]:
        """Problems between this step and its parsed tables, as (key, message) pairs."""
        problems = []
        for key in self.primary_key_required:
            table = tables.get(key)
            if table is not None and not table.primary_key:
                problems.append(
                    (
                        key,
                        f"{key}: table {table.full_name} has no primary key, "
                        f"which {self.step_type} needs",
                    )
                )
        return problems

    @model_validator(mode="after")
    def _input_node_form(self) -> StepParams:
        if isinstance(self.input_node, list) and self.input_node:
            raise ValueError("input_node: use a step name, a {node: subdirectory} map or []")
        if self.input_node is not None and self.input_path is not None:
            raise ValueError("give either input_node or input_path, not both")
        return self


def exactly_one(model: BaseModel, *keys: str) -> None:
    """Raise unless exactly one of ``keys`` is set on ``model``."""
    given = [k for k in keys if getattr(model, k) is not None]
    if len(given) != 1:
        choices = ", ".join(f"'{k}'" for k in keys)
        found = " and ".join(f"'{k}'" for k in given) or "none"
        raise ValueError(f"give exactly one of {choices} (found {found})")


PATH_SUFFIX = "--path_suffix="


def missing_file(
    base_dir: Path, key: str, relative: str | None, folder: bool = False
) -> list[tuple[str, str]]:
    """``[(key, message)]`` when the file (or folder) ``relative`` to ``base_dir`` is missing."""
    if relative is None:
        return []
    path = base_dir / relative
    if path.is_dir() if folder else path.is_file():
        return []
    what = "folder" if folder else "file"
    return [(key, f"{key}: {what} '{relative}' not found ({path})")]


QaArguments = Annotated[
    ScriptArguments, BeforeValidator(lambda v: [v] if isinstance(v, (str, int, float)) else v)
]
"""One argument or a list of them."""


class QaLogParams(StepParams):
    """What every QA check accepts besides its own keys: Dataduct's ``log_to_s3`` (one TSV
    result row per run, under ``--path_suffix``), and ``command``/``script``, a program run
    instead of the built-in check with the check's arguments (docs/steps.md)."""

    log_to_s3: bool = False
    script_arguments: QaArguments = []
    command: NonEmpty | None = None
    script: NonEmpty | None = None

    @model_validator(mode="after")
    def _program_and_arguments(self) -> QaLogParams:
        if self.command is not None and self.script is not None:
            raise ValueError("give either command or script, not both")
        if self.program is None:
            for argument in self.script_arguments:
                if not argument.startswith(PATH_SUFFIX):
                    raise ValueError(
                        f"script_arguments: the built-in check takes only "
                        f"'{PATH_SUFFIX}<suffix>' (any argument goes to a command or script), "
                        f"got {argument!r}"
                    )
        return self

    @property
    def program(self) -> str | None:
        """The ``command`` or ``script`` replacing the built-in check, if any."""
        return self.command or self.script

    def check_resources(self, base_dir: Path) -> list[tuple[str, str]]:
        return missing_file(base_dir, "script", self.script)

    @property
    def path_suffix(self) -> str | None:
        """The last ``--path_suffix=`` value, if any (a Jinja template after DP translation)."""
        suffixes = [a.removeprefix(PATH_SUFFIX) for a in self.script_arguments]
        return suffixes[-1] if suffixes else None
