"""The pipeline model: a Dataduct YAML file read, validated and resolved into typed steps.

Pure Python: no Airflow objects and no I/O beyond reading the YAML and the files it names.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from airflow_dataduct.config import DataductConfig
from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.model.schedule import FREQUENCIES, Schedule, parse_schedule
from airflow_dataduct.model.steps import (
    NOT_YET_SUPPORTED_KEYS,
    STEP_KINDS,
    STEP_MODELS,
    StepParams,
)
from airflow_dataduct.model.validation import suggest, to_definition_errors
from airflow_dataduct.model.yaml_source import SourceMap, load_yaml_text
from airflow_dataduct.tables.ddl import parse_table_file
from airflow_dataduct.tables.model import Table

PIPELINE_SUFFIXES = (".yaml", ".yml")
HOST_KEYS = ("host_name", "source_host")
NOT_YET_SUPPORTED_PIPELINE_KEYS = (
    "emr_cluster_config",
    "bootstrap",
    "teardown",
    "time_delta",
)
IGNORED_PIPELINE_KEYS = ("ec2_resource_config",)
"""Accepted for compatibility, without effect: tasks run on Airflow workers, not an EC2 resource."""


class PipelineKeys(BaseModel):
    """The pipeline-level keys of a Dataduct YAML file (spec §1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=200)]
    frequency: str = "one-time"
    load_time: str | int | None = None
    description: str | None = None
    topic_arn: str | None = None
    max_retries: Annotated[int, Field(ge=0, le=100)] | None = None
    ec2_resource_config: dict[str, Any] | None = None
    emr_cluster_config: dict[str, Any] | None = None
    bootstrap: Any = None
    teardown: Any = None
    time_delta: Any = None
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
    """The step whose staged output this step reads, if any."""
    tables: dict[str, Table] = field(default_factory=dict)
    """Parsed table definitions, by the key that named them (``table_definition``, ...)."""


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

    def step(self, name: str) -> StepSpec:
        """The step called ``name``."""
        return next(s for s in self.steps if s.name == name)


@dataclass
class _StepDraft:
    """A step while its file is being validated."""

    index: int
    step_type: str
    params: StepParams
    name: str = ""
    tables: dict[str, Table] = field(default_factory=dict)
    upstream: list[str] = field(default_factory=list)
    input_step: str | None = None


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


TABLES = TableCache()


class _PipelineReader:
    """Validates one pipeline file, collecting every error before giving up."""

    def __init__(self, text: str, path: str, config: DataductConfig) -> None:
        self.text = text
        self.path = path
        self.config = config
        self.errors: list[DefinitionError] = []
        self.source = SourceMap(path)

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
        keys = self._pipeline_keys(data)
        if keys is None:
            raise DefinitionErrors(self.errors)
        schedule = self._schedule(keys)
        drafts = self._steps(keys.steps)
        if not self.errors:
            self._resolve_edges(drafts)
        if self.errors:
            raise DefinitionErrors(self.errors)
        return self._pipeline(keys, schedule, drafts)

    def _pipeline_keys(self, data: dict[str, Any]) -> PipelineKeys | None:
        for key in NOT_YET_SUPPORTED_PIPELINE_KEYS:
            if key in data:
                self.error(f"pipeline key '{key}' is not supported yet", (key,), key, at_key=True)
        try:
            keys = PipelineKeys.model_validate(data)
        except ValidationError as exc:
            self.errors.extend(to_definition_errors(exc, PipelineKeys, self.source))
            return None
        if not keys.steps:
            self.error("'steps' must list at least one step", ("steps",), "steps")
        return keys

    def _schedule(self, keys: PipelineKeys) -> Schedule | None:
        if keys.frequency not in FREQUENCIES:
            hint = suggest(keys.frequency, FREQUENCIES)
            self.error(f"frequency '{keys.frequency}' is not supported{hint}", ("frequency",))
            return None
        load_time = keys.load_time if keys.load_time is not None else self.config.defaults.load_time
        try:
            return parse_schedule(keys.frequency, load_time)
        except ValueError as exc:
            self.error(str(exc), ("load_time",), "load_time")
            return None

    def _steps(self, raw_steps: list[Any]) -> list[_StepDraft]:
        drafts = []
        for index, raw in enumerate(raw_steps):
            draft = self._step(index, raw)
            if draft is not None:
                drafts.append(draft)
        self._name_steps(drafts)
        for draft in drafts:
            self._check_hosts(draft)
            self._load_tables(draft)
        return drafts

    def _step(self, index: int, raw: Any) -> _StepDraft | None:
        at = ("steps", index)
        if not isinstance(raw, dict):
            self.error("a step must be a mapping with a 'step_type'", at)
            return None
        step_type = raw.get("step_type")
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
        unsupported = NOT_YET_SUPPORTED_KEYS.get(step_type, frozenset()) & raw.keys()
        for key in sorted(unsupported):
            self.error(
                f"key '{key}' of step type '{step_type}' is not supported yet",
                (*at, key),
                key,
                at_key=True,
            )
        model = STEP_MODELS[step_type]
        try:
            params = model.model_validate({k: v for k, v in raw.items() if k not in unsupported})
        except ValidationError as exc:
            self.errors.extend(to_definition_errors(exc, model, self.source, at))
            return None
        return _StepDraft(index, step_type, params)

    def _name_steps(self, drafts: list[_StepDraft]) -> None:
        """Dataduct's names: ``<ClassName><n>``, n counting earlier steps of that class or
        a subclass of it."""
        counts: dict[str, int] = {}
        taken: dict[str, int] = {}
        for draft in drafts:
            kind = STEP_KINDS[draft.step_type]
            draft.name = draft.params.name or f"{kind.class_name}{counts.get(kind.class_name, 0)}"
            for cls in (kind.class_name, *kind.ancestors):
                counts[cls] = counts.get(cls, 0) + 1
            if draft.name in taken:
                line = self.source.locate(("steps", taken[draft.name])).line
                self.error(
                    f"step name '{draft.name}' is already taken by the step on line {line}",
                    ("steps", draft.index, "name"),
                    "name",
                )
            taken.setdefault(draft.name, draft.index)

    def _check_hosts(self, draft: _StepDraft) -> None:
        for key in HOST_KEYS:
            alias = getattr(draft.params, key, None)
            if alias is not None and alias not in self.config.hosts:
                hint = suggest(alias, self.config.hosts)
                known = ", ".join(sorted(self.config.hosts)) or "none"
                self.error(
                    f"{key} '{alias}' is not a host alias of {self.config.path}{hint} "
                    f"(known: {known})",
                    ("steps", draft.index, key),
                    key,
                )

    def _load_tables(self, draft: _StepDraft) -> None:
        for key in draft.params.table_keys:
            relative = getattr(draft.params, key, None)
            if relative is None:
                continue
            at = ("steps", draft.index, key)
            path = self.config.base_dir / relative
            try:
                draft.tables[key] = TABLES.get(path)
            except FileNotFoundError:
                self.error(f"{key}: table definition file '{relative}' not found ({path})", at, key)
            except DefinitionError as exc:
                self.error(f"{key}: table definition '{relative}' does not parse: {exc}", at, key)
        self._check_tables(draft)

    def _check_tables(self, draft: _StepDraft) -> None:
        for key, message in draft.params.check_tables(draft.tables):
            self.error(message, ("steps", draft.index, key), key)

    def _resolve_edges(self, drafts: list[_StepDraft]) -> None:
        """Dataduct's edges (spec §2.2): implicit chaining, input_node and depends_on."""
        names = {d.name: d for d in drafts}
        previous: _StepDraft | None = None
        for draft in drafts:
            self._resolve_input(draft, previous, names)
            for name in draft.params.depends_on:
                if name not in names:
                    hint = suggest(name, names)
                    self.error(
                        f"depends_on: no step named '{name}'{hint}",
                        ("steps", draft.index, "depends_on"),
                        "depends_on",
                    )
                elif name not in draft.upstream:
                    draft.upstream.append(name)
            previous = draft
        self._check_cycles(drafts)

    def _resolve_input(
        self, draft: _StepDraft, previous: _StepDraft | None, names: dict[str, _StepDraft]
    ) -> None:
        kind = STEP_KINDS[draft.step_type]
        node = draft.params.input_node
        at = ("steps", draft.index, "input_node")
        if kind.drops_input:
            if node not in (None, []):
                self.error(f"{draft.step_type} takes no input_node", at, "input_node")
            return
        if isinstance(node, dict):
            self.error("input_node with several inputs is not supported yet", at, "input_node")
            return
        if isinstance(node, str):
            if node not in names:
                self.error(f"input_node: no step named '{node}'{suggest(node, names)}", at)
                return
            if not STEP_KINDS[names[node].step_type].outputs_data:
                self.error(f"input_node: step '{node}' produces no data", at, "input_node")
                return
            draft.input_step = node
        elif (
            node is None
            and draft.params.input_path is None
            and previous is not None
            and STEP_KINDS[previous.step_type].outputs_data
        ):
            draft.input_step = previous.name
        if draft.input_step:
            draft.upstream.append(draft.input_step)
        elif kind.needs_input and draft.params.input_path is None:
            self.error(
                f"{draft.step_type} has no input: put it after a step that stages data "
                "(such as extract-rds) or name one with input_node",
                ("steps", draft.index, "step_type"),
            )

    def _check_cycles(self, drafts: list[_StepDraft]) -> None:
        sorter = graphlib.TopologicalSorter({d.name: d.upstream for d in drafts})
        try:
            sorter.prepare()
        except graphlib.CycleError as exc:
            cycle = exc.args[1]
            first = next(d for d in drafts if d.name == cycle[0])
            self.error(f"steps form a cycle: {' -> '.join(cycle)}", ("steps", first.index))

    def _pipeline(
        self, keys: PipelineKeys, schedule: Schedule | None, drafts: list[_StepDraft]
    ) -> Pipeline:
        assert schedule is not None
        prefix = self.config.defaults.name_prefix
        steps = tuple(
            StepSpec(
                name=d.name,
                step_type=d.step_type,
                params=d.params,
                location=self.source.locate(("steps", d.index)),
                upstream=tuple(d.upstream),
                input_step=d.input_step,
                tables=d.tables,
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
        )


def read_pipeline(path: str | Path, config: DataductConfig) -> Pipeline:
    """Read and validate one pipeline file; raise DefinitionErrors listing every problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionErrors(
            [DefinitionError(f"cannot read file: {exc}", Location(str(path)))]
        ) from None
    return _PipelineReader(text, str(path), config).read()


def pipeline_files(definitions_dir: str | Path) -> list[Path]:
    """The pipeline YAML files of a definitions folder (its top level, config excluded)."""
    folder = Path(definitions_dir)
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in PIPELINE_SUFFIXES and p.is_file() and p.name != "dataduct.yaml"
    )
