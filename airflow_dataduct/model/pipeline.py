"""The pipeline model: a Dataduct YAML file read, validated and resolved into typed steps.

Pure Python: no Airflow objects and no I/O beyond reading the YAML and the files it names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, DpExpressionError, Location
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.cql import CqlTable
from airflow_dataduct.model.dp_expressions import translate_values
from airflow_dataduct.model.edges import EdgeResolver, StepDraft, StepInput
from airflow_dataduct.model.emr import EmrCluster, EmrClusterConfig
from airflow_dataduct.model.emr_pipeline import check_emr, load_cql_tables
from airflow_dataduct.model.lifecycle import RawStep, Sources, lifecycle_steps
from airflow_dataduct.model.schedule import (
    FREQUENCIES,
    Schedule,
    parse_duration,
    parse_schedule,
    parse_time_delta,
)
from airflow_dataduct.model.steps import STEP_KINDS, STEP_MODELS
from airflow_dataduct.model.steps.base import StepParams
from airflow_dataduct.model.steps.base import _as_list as as_list  # one name or a list
from airflow_dataduct.model.validation import suggest, to_definition_errors
from airflow_dataduct.model.yaml_source import SourceMap, load_yaml_text, read_definition
from airflow_dataduct.tables.ddl import parse_table_file
from airflow_dataduct.tables.model import Table
from airflow_dataduct.types import SnsArn

PIPELINE_SUFFIXES = (".yaml", ".yml")
HOST_KEYS = ("host_name", "source_host")


TableName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$")]
"""A schema-qualified warehouse table name."""


class PipelineKeys(BaseModel):
    """The pipeline-level keys of a Dataduct YAML file (docs/pipelines.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=200)]
    """The dag_id (prefixed by ``defaults.name_prefix``)."""
    frequency: str = "one-time"
    """How often the pipeline runs (UTC)."""
    load_time: str | int | None = None
    """Time of day of the runs, ``"HH:MM"`` UTC; default ``defaults.load_time``."""
    description: str | None = None
    """Shown on the DAG's page."""
    topic_arn: SnsArn | None = None
    """SNS topic of this pipeline's failure alerts."""
    max_retries: Annotated[int, Field(ge=0, le=100)] | None = None
    """Retries of every task; default ``defaults.retries``."""
    schedule_on_tables: Annotated[
        list[TableName], BeforeValidator(as_list, json_schema_input_type=str | list[str])
    ] = []
    """Run when these warehouse tables were written by another pipeline (Airflow assets)."""
    ec2_resource_config: dict[str, Any] | None = None
    emr_cluster_config: EmrClusterConfig | None = None
    bootstrap: dict[Literal["ec2", "emr"], list[Any]] | None = None
    teardown: dict[str, Any] | None = None
    time_delta: Any = None
    """Days (an int) or a duration (``"-2 days"``) added to the start; see parse_time_delta."""
    steps: list[Any]


@dataclass(frozen=True)
class StepSpec:
    """One validated step: its name, parameters, resolved tables and upstream steps."""

    name: str
    step_type: str
    params: StepParams
    location: Location
    upstream: tuple[str, ...] = ()
    input_step: str | None = None
    """The step (or output node) whose staged output this step reads, if it reads one."""
    tables: dict[str, Table] = field(default_factory=dict)
    """Parsed table definitions, by the key that named them (``table_definition``, ...)."""
    inputs: tuple[StepInput, ...] = ()
    """Every staged input: ``input_step``, or the entries of an ``input_node`` map."""
    role: str = "main"
    """``main``, or ``setup``/``teardown`` for Dataduct's bootstrap and teardown steps."""
    cql_tables: dict[str, CqlTable] = field(default_factory=dict)
    """Parsed Cassandra table definitions, by key (``cql_schema_definition``)."""


@dataclass(frozen=True)
class Pipeline:
    """A validated pipeline, ready for a DAG factory."""

    name: str
    dag_id: str
    schedule: Schedule
    steps: tuple[StepSpec, ...]
    path: str
    source_text: str = field(repr=False, default="")
    description: str | None = None
    topic_arn: str | None = None
    max_retries: int | None = None
    schedule_on_tables: tuple[str, ...] = ()
    execution_timeout: dt.timedelta | None = None
    """``ec2_resource_config.terminate_after``: the default execution timeout of its tasks."""
    output_nodes: dict[str, str] = field(default_factory=dict)
    """``output_node`` names of transforms, to the step that writes them."""
    emr_cluster: EmrCluster | None = None
    """The one EMR cluster of each run, shared by its EMR steps; None without EMR steps."""
    declared_frequency: str = ""
    """The file's ``frequency``; ``schedule.frequency`` differs under ``frequency_override``."""

    def step(self, name: str) -> StepSpec:
        """The step called ``name``."""
        return next(s for s in self.steps if s.name == name)


class TableCache:
    """Table definitions parsed once per process, keyed by path, size and modification time."""

    def __init__(self) -> None:
        self._tables: dict[tuple[str, int, int], Table] = {}

    def get(self, path: Path) -> Table:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._tables:
            self._tables[key] = parse_table_file(path)
        return self._tables[key]

    def __len__(self) -> int:
        return len(self._tables)

    def absorb(self, tables: dict[tuple[str, int, int], Table]) -> None:
        """Take tables parsed elsewhere (an earlier process), under the same keys."""
        self._tables.update(tables)

    def current(self) -> dict[tuple[str, int, int], Table]:
        """The tables whose file still has the size and modification time they were read at."""
        kept = {}
        for key, table in self._tables.items():
            try:
                stat = Path(key[0]).stat()
            except OSError:
                continue
            if (stat.st_size, stat.st_mtime_ns) == key[1:]:
                kept[key] = table
        return kept


TABLES = TableCache()


class _PipelineReader:
    """Validates one pipeline file, collecting every error before giving up."""

    def __init__(self, text: str, path: str, config: DataductConfig) -> None:
        self.text = text
        self.path = path
        self.config = config
        self.errors: list[DefinitionError] = []
        self.source = SourceMap(path)
        self.output_nodes: dict[str, str] = {}

    def error(
        self, message: str, key_path: tuple[Any, ...], key: str | None = None, at_key: bool = False
    ) -> None:
        """Record an error located at the value of ``key_path`` (or at its key)."""
        location = self.source.locate(key_path, prefer_value=not at_key)
        self.errors.append(DefinitionError(message, location, key=key))

    def read(self) -> Pipeline:
        try:
            data, self.source = load_yaml_text(self.text, self.path)
        except DefinitionError as exc:
            raise DefinitionErrors([exc]) from None
        if not isinstance(data, dict):
            raise DefinitionErrors(
                [
                    DefinitionError(
                        "expected a mapping with 'name' and 'steps'", Location(self.path, 1, 1)
                    )
                ]
            )
        data.pop("variables", None)
        config_file = self.config.path if Path(self.config.path).is_file() else None
        self.source = Sources(self.source, config_file)  # type: ignore[assignment]
        keys = self._pipeline_keys(data)
        if keys is None:
            raise DefinitionErrors(self.errors)
        schedule = self._schedule(keys)
        timeout = self._terminate_after(keys)
        lifecycle = lifecycle_steps(keys.bootstrap, keys.teardown, self.config)
        drafts = self._steps(keys.steps, lifecycle)
        if not self.errors:
            edges = EdgeResolver(self.error, self.source.locate)
            edges.resolve(drafts)
            self.output_nodes = edges.output_nodes
        cluster = check_emr(keys.emr_cluster_config, drafts, self.config, self.error)
        if self.errors:
            raise DefinitionErrors(self.errors)
        return self._pipeline(keys, schedule, drafts, timeout, cluster)

    def _pipeline_keys(self, data: dict[str, Any]) -> PipelineKeys | None:
        try:
            keys = PipelineKeys.model_validate(data)
        except ValidationError as exc:
            self.errors.extend(to_definition_errors(exc, PipelineKeys, self.source))
            return None
        if not keys.steps:
            self.error("'steps' must list at least one step", ("steps",), "steps")
        return keys

    def _schedule(self, keys: PipelineKeys) -> Schedule | None:
        delta = self._time_delta(keys)
        if keys.frequency not in FREQUENCIES:
            hint = suggest(keys.frequency, FREQUENCIES)
            self.error(f"frequency '{keys.frequency}' is not supported{hint}", ("frequency",))
            return None
        load_time = keys.load_time if keys.load_time is not None else self.config.defaults.load_time
        frequency = self.config.defaults.frequency_override or keys.frequency
        try:
            schedule = parse_schedule(frequency, load_time)
        except ValueError as exc:
            self.error(str(exc), ("load_time",), "load_time")
            return None
        return None if delta is None else self._shift(schedule, delta)

    def _time_delta(self, keys: PipelineKeys) -> dt.timedelta | None:
        """Dataduct's ``time_delta`` (docs/pipelines.md); None after an error."""
        try:
            return parse_time_delta(keys.time_delta if keys.time_delta is not None else 0)
        except ValueError as exc:
            self.error(str(exc), ("time_delta",), "time_delta")
            return None

    def _shift(self, schedule: Schedule, delta: dt.timedelta) -> Schedule | None:
        """``schedule`` starting ``delta`` later, when that is still a date."""
        shifted = replace(schedule, time_delta=delta)
        try:
            shifted.start(self.config.defaults.start_date)
        except OverflowError:
            message = f"time_delta: {delta} moves the start date out of range"
            self.error(message, ("time_delta",), "time_delta")
            return None
        return shifted

    def _terminate_after(self, keys: PipelineKeys) -> dt.timedelta | None:
        value = (keys.ec2_resource_config or {}).get("terminate_after")
        if value is None:
            return None
        try:
            return parse_duration(value)
        except ValueError as exc:
            at = ("ec2_resource_config", "terminate_after")
            self.error(f"terminate_after: {exc}", at, "terminate_after")
            return None

    def _steps(self, raw_steps: list[Any], extra: list[RawStep]) -> list[StepDraft]:
        drafts = []
        for index, raw in enumerate(raw_steps):
            draft = self._step(index, raw)
            if draft is not None:
                drafts.append(draft)
        for number, item in enumerate(extra, start=len(raw_steps)):
            at = item.root if item.index is None else (*item.root, item.index)
            draft = self._step(number, item.raw, at, item.role)
            if draft is not None:
                drafts.append(draft)
        self._name_steps(drafts)
        for draft in drafts:
            self._check_hosts(draft)
            self._load_tables(draft)
            load_cql_tables(draft, self.config, self.error)
        return drafts

    def _step(
        self, index: int, raw: Any, at: tuple[Any, ...] | None = None, role: str = "main"
    ) -> StepDraft | None:
        at = ("steps", index) if at is None else at
        if not isinstance(raw, dict):
            self.error("a step must be a mapping with a 'step_type'", at)
            return None
        step_type = raw.get("step_type")
        if step_type is not None and not isinstance(step_type, str):
            self.error(f"key 'step_type': expected a string, got {step_type!r}", (*at, "step_type"))
            return None
        if not isinstance(step_type, str):
            self.error("missing required key 'step_type'", at, "step_type")
            return None
        if step_type not in STEP_KINDS:
            hint = suggest(step_type, STEP_KINDS)
            self.error(f"unknown step type '{step_type}'{hint}", (*at, "step_type"), "step_type")
            return None
        if step_type not in STEP_MODELS:
            self.error(f"step type '{step_type}' is not supported yet", (*at, "step_type"))
            return None
        model = STEP_MODELS[step_type]
        values = {}
        for key, value in raw.items():
            try:  # DP expressions and {S3_BASE_PATH}, as Dataduct wrote them (docs/pipelines.md)
                values[key] = translate_values(value, self.config.s3_base_path)
            except DpExpressionError as exc:
                self.error(f"{key}: {exc}", (*at, key), key)
                return None
        try:
            params = model.model_validate(values)
        except ValidationError as exc:
            self.errors.extend(to_definition_errors(exc, model, self.source, at))
            return None
        return StepDraft(index, step_type, params, at=at, role=role)

    def _name_steps(self, drafts: list[StepDraft]) -> None:
        """Dataduct's names: ``<ClassName><n>``, n counting earlier steps of that class or
        a subclass of it."""
        counts: dict[str, int] = {}
        taken: dict[str, tuple[Any, ...]] = {}
        for draft in drafts:
            kind = STEP_KINDS[draft.step_type]
            draft.name = draft.params.name or f"{kind.class_name}{counts.get(kind.class_name, 0)}"
            for cls in (kind.class_name, *kind.ancestors):
                counts[cls] = counts.get(cls, 0) + 1
            if draft.name in taken:
                line = self.source.locate(taken[draft.name]).line
                self.error(
                    f"step name '{draft.name}' is already taken by the step on line {line}",
                    (*draft.at, "name"),
                    "name",
                )
            taken.setdefault(draft.name, draft.at)

    def _check_hosts(self, draft: StepDraft) -> None:
        for key in HOST_KEYS:
            alias = getattr(draft.params, key, None)
            if alias is not None and alias not in self.config.hosts:
                hint = suggest(alias, self.config.hosts)
                known = ", ".join(sorted(self.config.hosts)) or "none"
                self.error(
                    f"{key} '{alias}' is not a host alias of {self.config.path}{hint} "
                    f"(known: {known})",
                    (*draft.at, key),
                    key,
                )

    def _load_tables(self, draft: StepDraft) -> None:
        for key in draft.params.table_keys:
            relative = getattr(draft.params, key, None)
            if relative is None:
                continue
            at = (*draft.at, key)
            try:
                path = self.config.resource(relative)
            except ValueError as exc:  # an environment variable that is not set
                self.error(f"{key}: {exc}", at, key)
                continue
            try:
                draft.tables[key] = TABLES.get(path)
            except FileNotFoundError:
                self.error(f"{key}: table definition file '{relative}' not found ({path})", at, key)
            except DefinitionError as exc:
                self.error(f"{key}: table definition '{relative}' does not parse: {exc}", at, key)
        for key in draft.params.file_keys:
            relative = getattr(draft.params, key, None)
            try:
                path = self.config.resource(relative) if relative is not None else None
            except ValueError as exc:
                self.error(f"{key}: {exc}", (*draft.at, key), key)
                continue
            if path is not None and not path.is_file():
                at = (*draft.at, key)
                self.error(f"{key}: file '{relative}' not found ({path})", at, key)
        check_resources = getattr(draft.params, "check_resources", None)
        for key, message in check_resources(self.config.base_dir) if check_resources else ():
            self.error(message, (*draft.at, key), key)
        self._check_tables(draft)

    def _check_tables(self, draft: StepDraft) -> None:
        for key, message in draft.params.check_tables(draft.tables):
            self.error(message, (*draft.at, key), key)

    def _pipeline(
        self,
        keys: PipelineKeys,
        schedule: Schedule | None,
        drafts: list[StepDraft],
        timeout: dt.timedelta | None = None,
        cluster: EmrCluster | None = None,
    ) -> Pipeline:
        assert schedule is not None
        prefix = self.config.defaults.name_prefix
        steps = tuple(
            StepSpec(
                name=d.name,
                step_type=d.step_type,
                params=d.params,
                location=self.source.locate(d.at),
                upstream=tuple(d.upstream),
                input_step=d.input_step,
                tables=d.tables,
                inputs=tuple(d.inputs),
                role=d.role,
                cql_tables=d.cql_tables,
            )
            for d in drafts
        )
        return Pipeline(
            name=keys.name,
            dag_id=f"{prefix}_{keys.name}" if prefix else keys.name,
            schedule=schedule,
            steps=steps,
            path=self.path,
            source_text=self.text,
            description=keys.description,
            topic_arn=keys.topic_arn,
            max_retries=keys.max_retries,
            schedule_on_tables=tuple(keys.schedule_on_tables),
            execution_timeout=timeout,
            emr_cluster=cluster,
            output_nodes=dict(self.output_nodes),
            declared_frequency=keys.frequency,
        )


def parse_pipeline(text: str, path: str | Path, config: DataductConfig) -> Pipeline:
    """Validate the text of one pipeline file; raise DefinitionErrors listing every problem."""
    return _PipelineReader(text, str(path), config).read()


def read_pipeline(path: str | Path, config: DataductConfig) -> Pipeline:
    """Read and validate one pipeline file; raise DefinitionErrors listing every problem."""
    try:
        text = read_definition(path)
    except DefinitionError as exc:
        raise DefinitionErrors([exc]) from None
    return _PipelineReader(text, str(path), config).read()


def pipeline_files(definitions_dir: str | Path) -> list[Path]:
    """The pipeline YAML files of a definitions folder (its top level, config excluded)."""
    folder = Path(definitions_dir)
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in PIPELINE_SUFFIXES and p.is_file() and p.name != "dataduct.yaml"
    )
