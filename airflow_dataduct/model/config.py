"""The shared configuration, ``dag_definitions/dataduct.yaml``: one file for every pipeline.

It maps Dataduct host aliases to Airflow connection ids, names the warehouse connection and
the staging location, and holds pipeline defaults. It never holds a secret: credentials live
in Airflow connections only.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.model.paths import expand_path
from airflow_dataduct.model.schedule import FREQUENCIES
from airflow_dataduct.model.validation import suggest, to_definition_errors
from airflow_dataduct.model.yaml_source import SourceMap, load_yaml_file
from airflow_dataduct.types import ConnId, IamRoleArn, SnsArn

CONFIG_FILE_NAME = "dataduct.yaml"
MODE_ENV = "DATADUCT_MODE"
"""The environment variable naming the active mode (Dataduct's ``dataduct -m <mode>``)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class WarehouseConfig(_Section):
    """The warehouse: a ``postgres`` or ``redshift`` connection; its type picks the dialect."""

    conn_id: ConnId = "dataduct_warehouse"
    search_path: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$")]] = []
    """Schemas set as ``search_path`` on every warehouse session, so unqualified names resolve."""
    iam_role: IamRoleArn | None = None
    """Redshift COPY/UNLOAD authorise with this IAM role; else with the AWS connection's keys."""


class StagingConfig(_Section):
    """Where extracts leave files for the loads: ``s3://bucket/prefix`` or a local directory."""

    location: str = "/tmp/dataduct-staging"
    aws_conn_id: ConnId = "aws_default"
    part_size_mb: Annotated[int, Field(ge=1, le=4096)] = 128
    """Uncompressed size at which an extract starts a new part file."""
    retain: bool = False
    """Keep staged files after a successful load (else the load removes its input's files)."""
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d+$")] | None = None
    """The staging bucket's AWS region, for Redshift COPY/UNLOAD (``REGION``) when the bucket
    is not in the cluster's region."""
    shared_filesystem: bool = False
    """A local ``location`` is one filesystem mounted on every worker (NFS, EFS): allows it with
    a distributed executor (Celery, Kubernetes, Edge), where it is otherwise an error."""

    def is_local(self) -> bool:
        """True for a directory on the worker's filesystem, False for ``s3://`` and other URIs."""
        return "://" not in self.location


Frequency = Literal[tuple(FREQUENCIES)]  # type: ignore[valid-type]


class DpTag(_Section):
    """One of Dataduct's ``etl.TAGS``: a fixed ``string``, or a pipeline attribute
    (``variable``) such as its name."""

    string: str | None = None
    variable: Literal["name", "dag_id", "frequency", "description", "load_time"] | None = None
    """``name`` is the dag_id (the prefixed name, as Dataduct's pipeline name was)."""

    @model_validator(mode="after")
    def _one_kind(self) -> DpTag:
        if (self.string is None) == (self.variable is None):
            raise ValueError("give exactly one of 'string' or 'variable'")
        return self


class DefaultsConfig(_Section):
    """Defaults for every pipeline; a pipeline's own keys win."""

    owner: str = "dataduct"
    retries: Annotated[int, Field(ge=0, le=100)] = 0
    """Dataduct's ``etl.MAX_RETRIES``."""
    retry_delay_minutes: Annotated[float, Field(ge=0)] = 10
    """Dataduct's ``etl.RETRY_DELAY``."""
    name_prefix: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]*$")] = ""
    """Dataduct's ``etl.NAME_PREFIX``: dag_id = ``<prefix>_<name>`` when set."""
    max_active_runs: Annotated[int, Field(ge=1)] = 1
    """Dataduct's ``etl.MAX_ACTIVE_INSTANCES``."""
    load_time: str = "01:00"
    """Dataduct's ``etl.DAILY_LOAD_TIME``: the UTC time of day for pipelines without one."""
    start_date: dt.date = dt.date(2026, 1, 1)
    catchup: bool = False
    tags: list[str] = []
    retry_exponential_backoff: Annotated[float, Field(ge=0)] = 0
    """Multiply the delay after each failed try by this (0: fixed delay; 2: doubling)."""
    max_retry_delay_minutes: Annotated[float, Field(gt=0)] | None = None
    """Upper bound of a backed-off retry delay."""
    execution_timeout_minutes: Annotated[float, Field(gt=0)] | None = None
    """Fail a task try that runs longer (Dataduct's resource ``terminate_after``)."""
    frequency_override: Frequency | None = None
    """Dataduct's ``etl.FREQUENCY_OVERRIDE``: every pipeline runs at this frequency
    (``one-time``: every DAG is ``@once``), whatever its file says."""
    dependency_override: bool = False
    """Dataduct's ``etl.DEPENDENCY_OVERRIDE``: ``pipeline-dependencies`` steps succeed at once."""
    dp_tags: dict[Annotated[str, Field(min_length=1, max_length=60)], DpTag] = {}
    """Dataduct's ``etl.TAGS`` (``{Key: {string: v}}`` or ``{Key: {variable: name}}``): each
    becomes the DAG tag ``Key:value``."""
    queue: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    """The Airflow queue of every task (Dataduct's ``ec2.WORKER_GROUP``)."""

    @field_validator("load_time", mode="before")
    @classmethod
    def _load_time_text(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value // 60:02d}:{value % 60:02d}"
        return value


class SnsConfig(_Section):
    """SNS topics (Dataduct's ``SNS_TOPIC_ARN_FAILURE`` and ``SNS_TOPIC_ARN_WARNING``)."""

    failure_topic_arn: SnsArn | None = None
    warning_topic_arn: SnsArn | None = None
    aws_conn_id: ConnId = "aws_default"


Privilege = Annotated[
    str,
    Field(
        pattern=r"(?i)^\s*(ALL( PRIVILEGES)?|SELECT|INSERT|UPDATE|DELETE|REFERENCES|TRUNCATE)"
        r"(\s*,\s*(SELECT|INSERT|UPDATE|DELETE|REFERENCES|TRUNCATE))*\s*$"
    ),
]
Grantee = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$", max_length=127)]


class Permission(_Section):
    """One ``database.permissions`` entry: a privilege for a user or a group."""

    permission: Privilege
    user: Grantee | None = None
    group: Grantee | None = None

    @model_validator(mode="after")
    def _one_grantee(self) -> Permission:
        if (self.user is None) == (self.group is None):
            raise ValueError("give exactly one of 'user' or 'group'")
        return self


class DatabaseConfig(_Section):
    """Dataduct's ``database`` section: GRANTs appended to every CREATE TABLE."""

    permissions: list[Permission] = []


class PostgresSourceConfig(_Section):
    """Dataduct's ``postgres`` section: the one database of extract-postgres and load-postgres."""

    conn_id: ConnId = "dataduct_postgres"


class NotifierConfig(_Section):
    """An Airflow notifier by import path, with its arguments (checked when definitions are
    opened)."""

    notifier: Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$")]
    """Import path of a ``BaseNotifier`` subclass, e.g. ``...notifications.slack.SlackNotifier``."""
    on: list[Literal["failure", "warning"]] = ["failure"]
    """Task failures, QA warnings (``qa.on_failure: warn``), or both."""
    args: dict[str, Any] = {}
    """Keyword arguments; templated ones may use ``{{ dataduct_alert.subject }}``/``.message``."""


class AlertsConfig(_Section):
    """Notifiers called beside (or, without SNS topics, instead of) the SNS alerts."""

    notifiers: list[NotifierConfig] = []


class QaConfig(_Section):
    """QA checks: Dataduct's warning semantics and the result history table."""

    on_failure: Literal["fail", "warn"] = "fail"
    """``warn``: a failed check alerts the warning topic/notifiers and the run continues."""
    history_table: Annotated[str, Field(pattern=r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?$")] | None = (
        "dba_table_qa_tests"
    )
    """Warehouse table each check result is appended to (created when missing); null: none."""
    log_location: str | None = None
    """Where ``log_to_s3`` checks write their result rows: ``s3://bucket/prefix`` or a local
    directory; default ``<staging.location>/qa`` (Dataduct's ``QA_LOG_PATH``)."""
    log_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$")] = "dba_table_qa_tests"
    """Dataduct's ``DP_QA_TESTS_LOG_PATH``: the folder of result rows under the location."""


class EmrConfig(_Section):
    """EMR defaults (Dataduct's ``emr`` section in modern terms); a pipeline's
    ``emr_cluster_config`` keys win over them."""

    aws_conn_id: ConnId = "aws_default"
    release_label: Annotated[str, Field(pattern=r"^emr-\d+\.\d+\.\d+$")] = "emr-7.5.0"
    applications: list[str] = ["Hadoop"]
    master_instance_type: str = "m5.xlarge"
    """Dataduct ``MASTER_INSTANCE_TYPE``."""
    core_instance_type: str = "m5.xlarge"
    """Dataduct ``CORE_INSTANCE_TYPE``."""
    num_core_instances: Annotated[int, Field(ge=0, le=1000)] = 1
    """Dataduct ``NUM_CORE_INSTANCES``."""
    task_instance_type: str = "m5.xlarge"
    """Dataduct ``TASK_INSTANCE_TYPE``."""
    task_bid_price: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] | None = None
    """Dataduct ``TASK_INSTANCE_BID_PRICE`` (USD per hour): task instances become SPOT."""
    cluster_timeout: str = "6 Hours"
    """Dataduct ``CLUSTER_TIMEOUT``: the idle auto-termination and the step wait limit."""
    service_role: str = "EMR_DefaultRole"
    job_flow_role: str = "EMR_EC2_DefaultRole"
    log_uri: Annotated[str, Field(pattern=r"^s3n?://")] | None = None
    key_pair: str | None = None
    """Dataduct ``etl.KEY_PAIR``."""
    subnet_id: str | None = None
    default_bootstrap: list[str] = []
    """Dataduct ``DEFAULT_BOOTSTRAP``: ``s3://script[,arg...]`` strings run on every node first."""
    aegisthus_jar: Annotated[str, Field(pattern=r"^s3n?://")] | None = None
    aegisthus_main_class: str = "com.netflix.Aegisthus"
    scalding_jar: Annotated[str, Field(pattern=r"^s3n?://")] | None = None
    cassandra_backup_location: Annotated[str, Field(pattern=r"^s3n?://")] | None = None
    """A table's Cassandra backup: ``{keyspace}``, ``{table}`` and Jinja (``{{ ds_nodash }}``)."""
    output_location: Annotated[str, Field(pattern=r"^s3n?://")] | None = None
    """Where EMR steps write run-scoped outputs; default: ``staging.location`` when on S3."""
    step_poke_interval_seconds: Annotated[float, Field(gt=0)] = 60
    """How often a step's sensor asks EMR for the step's state."""
    step_sensor_mode: Literal["poke", "reschedule", "deferrable"] = "reschedule"
    """How a step's sensor waits: ``reschedule`` frees its worker slot between looks (an EMR
    step can run for hours), ``deferrable`` hands the wait to Airflow's triggerer, ``poke``
    holds the slot."""


class CustomStepConfig(_Section):
    """One of Dataduct's ``custom_steps``: a step type defined by a team's own class."""

    step_type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_\-]*$")]
    module: Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*$")] | None = None
    """Import path of the module holding the class."""
    file_path: str | None = None
    """Or a Python file, relative to ``custom_steps_path``."""
    class_name: Annotated[str, Field(pattern=r"^[A-Za-z_]\w*$")]

    @model_validator(mode="after")
    def _one_source(self) -> CustomStepConfig:
        if (self.module is None) == (self.file_path is None):
            raise ValueError("give exactly one of 'module' or 'file_path'")
        return self


ModeName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=64)]


class DataductConfig(_Section):
    """The whole shared configuration."""

    warehouse: WarehouseConfig = WarehouseConfig()
    hosts: dict[str, ConnId] = {}
    """Dataduct host aliases (``host_name``, ``source_host``) to Airflow connection ids."""
    staging: StagingConfig = StagingConfig()
    defaults: DefaultsConfig = DefaultsConfig()
    sns: SnsConfig = SnsConfig()
    alerts: AlertsConfig = AlertsConfig()
    qa: QaConfig = QaConfig()
    bootstrap: dict[Literal["ec2", "emr"], list[dict[str, Any]]] | None = None
    """Dataduct's default bootstrap steps, for pipelines without their own ``bootstrap``."""
    teardown: dict[str, Any] | None = None
    """Dataduct's default teardown step, for pipelines without their own ``teardown``."""
    database: DatabaseConfig = DatabaseConfig()
    postgres: PostgresSourceConfig = PostgresSourceConfig()
    emr: EmrConfig | None = None
    """EMR defaults; without them a pipeline with EMR steps needs its own ``emr_cluster_config``."""
    resource_base_path: str = "."
    """Base directory of relative paths in pipelines (``tables/...``); relative to this file."""
    s3_base_path: str = ""
    """Dataduct's ``etl.S3_BASE_PATH``: replaces ``{S3_BASE_PATH}`` in step values."""
    custom_steps: list[CustomStepConfig] = []
    """Dataduct's ``custom_steps``: step types defined by classes of your own."""
    custom_steps_path: str = "."
    """Dataduct's ``etl.CUSTOM_STEPS_PATH``: base of ``custom_steps[].file_path``; relative to
    this file."""
    modes: dict[ModeName, dict[str, Any]] = {}
    """Dataduct's modes: ``{production: {section: {key: value}}}``, each merged over the rest
    of this file when ``$DATADUCT_MODE`` names it (a section key by key, any other value
    replaced)."""
    _path: str = PrivateAttr(default="<defaults>")
    _source: SourceMap | None = PrivateAttr(default=None)
    _mode: str | None = PrivateAttr(default=None)
    _base_dir: tuple[str, Path] | None = PrivateAttr(default=None)
    """(the config's path, its resolved base directory), resolved once per path."""

    @model_validator(mode="after")
    def _warnings_have_a_destination(self) -> DataductConfig:
        warned = self.sns.warning_topic_arn or any("warning" in n.on for n in self.alerts.notifiers)
        if self.qa.on_failure == "warn" and not warned:
            raise ValueError(
                "qa.on_failure 'warn' needs sns.warning_topic_arn or a notifier with on: [warning]"
            )
        return self

    @property
    def source(self) -> SourceMap | None:
        """Where each key of the file was (for errors found after validation), if read from one."""
        return self._source

    @property
    def path(self) -> str:
        """Where this configuration was read from."""
        return self._path

    @property
    def mode(self) -> str | None:
        """The active mode (``$DATADUCT_MODE``), merged into this configuration; None: none."""
        return self._mode

    @property
    def base_dir(self) -> Path:
        """The directory that relative resource paths resolve against (``~`` and environment
        variables expanded, as Dataduct expanded ``~``)."""
        if self._base_dir is None or self._base_dir[0] != self.path:  # every step's files use it
            here = Path(self.path).parent if self.path != "<defaults>" else Path.cwd()
            resolved = (here / expand_path(self.resource_base_path)).resolve()
            self._base_dir = (self.path, resolved)
        return self._base_dir[1]

    @property
    def custom_steps_dir(self) -> Path:
        """The directory of ``custom_steps[].file_path`` (``~`` and variables expanded)."""
        here = Path(self.path).parent if self.path != "<defaults>" else Path.cwd()
        return (here / expand_path(self.custom_steps_path)).resolve()

    def resource(self, relative: str) -> Path:
        """A step's file: ``~`` and environment variables expanded, then resolved against
        :attr:`base_dir` unless absolute (Dataduct's ``parse_path``)."""
        return self.base_dir / expand_path(relative)

    @field_validator("resource_base_path", "custom_steps_path")
    @classmethod
    def _expandable(cls, value: str) -> str:
        expand_path(value)  # an unset environment variable is an error here, with its line
        return value

    def staging_location(self) -> str:
        """The staging root: an ``s3://`` URI, or an absolute local directory."""
        location = self.staging.location
        if "://" in location or os.path.isabs(location):
            return location.rstrip("/")
        here = Path(self.path).parent if self.path != "<defaults>" else Path.cwd()
        return str((here / location).resolve())

    def emr_output_location(self) -> str | None:
        """The S3 root of EMR step outputs: ``emr.output_location``, else an S3 staging location."""
        if self.emr is not None and self.emr.output_location:
            return self.emr.output_location.rstrip("/")
        location = self.staging.location
        return location.rstrip("/") if location.startswith("s3://") else None


def merge_mode(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Dataduct's mode rule (docs/configuration.md): a section that is a mapping on both sides
    is updated key by key; any other value is replaced."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _mode_source(source: SourceMap, mode: str) -> SourceMap:
    """``source`` where every key the mode sets is located in the mode, not the base."""
    moved = SourceMap(source.path, dict(source.keys), dict(source.values))
    prefix = ("modes", mode)
    for table in (moved.keys, moved.values):
        for key_path, position in list(table.items()):
            if key_path[:2] == prefix and len(key_path) > 2:
                table[key_path[2:]] = position
    return moved


def _validate(data: dict[str, Any], source: SourceMap) -> DataductConfig:
    try:
        return DataductConfig.model_validate(data)
    except ValidationError as exc:
        raise DefinitionErrors(to_definition_errors(exc, DataductConfig, source)) from None


def _mode_errors(data: dict[str, Any], source: SourceMap) -> list[DefinitionError]:
    """Every mode merged over the base and validated: a mistake in a mode that is not active
    is found now, not when it is deployed."""
    modes = data.get("modes")
    errors: list[DefinitionError] = []
    if not isinstance(modes, dict):
        return errors
    for name, overrides in modes.items():
        if not isinstance(overrides, dict):
            continue  # reported by the model
        if "modes" in overrides:
            at = source.locate(("modes", name, "modes"))
            errors.append(DefinitionError("a mode cannot define modes", at, key="modes"))
            continue
        try:
            _validate(merge_mode(data, overrides), _mode_source(source, name))
        except DefinitionErrors as exc:
            errors += exc.errors
    return errors


def active_mode(mode: str | None = None) -> str | None:
    """``mode``, else ``$DATADUCT_MODE``; None (no mode) when it is empty (``mode=""``: none,
    whatever the environment says)."""
    name = mode if mode is not None else os.environ.get(MODE_ENV)
    return name or None


def _unknown_mode(mode: str, data: dict[str, Any], source: SourceMap) -> DefinitionError:
    modes = data.get("modes") if isinstance(data.get("modes"), dict) else {}
    known = ", ".join(sorted(modes)) or "none"
    at = source.locate(("modes",)) if modes else Location(source.path, 1, 1)
    message = (
        f"mode '{mode}' (${MODE_ENV}) is not defined in modes{suggest(mode, modes)} "
        f"(defined: {known})"
    )
    return DefinitionError(message, at, key="modes")


def load_config(path: str | Path, mode: str | None = None) -> DataductConfig:
    """Read and validate the shared configuration file, with the active mode (``mode``, else
    ``$DATADUCT_MODE``) merged in; raise DefinitionErrors listing problems."""
    try:
        data, source = load_yaml_file(path)
    except DefinitionError as exc:
        raise DefinitionErrors([exc]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        error = DefinitionError("expected a mapping of sections", Location(str(path), 1, 1))
        raise DefinitionErrors([error])
    config = _validate(data, source)
    errors = _mode_errors(data, source)
    name = active_mode(mode)
    if name is not None and name not in config.modes:
        errors.append(_unknown_mode(name, data, source))
    if errors:
        raise DefinitionErrors(errors)
    if name is not None:
        source = _mode_source(source, name)
        config = _validate(merge_mode(data, config.modes[name]), source)
    config._path = str(path)
    config._source = source
    config._mode = name
    return config


def find_config(definitions_dir: str | Path, mode: str | None = None) -> DataductConfig:
    """The configuration of a definitions folder: its ``dataduct.yaml``, or the defaults."""
    candidate = Path(definitions_dir) / CONFIG_FILE_NAME
    if candidate.exists():
        return load_config(candidate, mode)
    name = active_mode(mode)
    if name is not None:
        message = f"mode '{name}' (${MODE_ENV}) is set but there is no {CONFIG_FILE_NAME}"
        raise DefinitionErrors([DefinitionError(message, Location(str(candidate)))])
    config = DataductConfig()
    config._path = str(candidate)
    return config
