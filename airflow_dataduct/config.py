"""The shared configuration, ``dag_definitions/dataduct.yaml``: one file for every pipeline.

It maps Dataduct host aliases to Airflow connection ids, names the warehouse connection and
the staging location, and holds pipeline defaults. It never holds a secret: credentials live
in Airflow connections only.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.model.validation import to_definition_errors
from airflow_dataduct.model.yaml_source import load_yaml_file

CONFIG_FILE_NAME = "dataduct.yaml"
ConnId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=250)]
SnsArn = Annotated[str, Field(pattern=r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:\d{12}:[A-Za-z0-9_\-]+$")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseConfig(_Section):
    """The warehouse: a ``postgres`` or ``redshift`` connection; its type picks the dialect."""

    conn_id: ConnId = "dataduct_warehouse"
    search_path: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$")]] = []
    """Schemas set as ``search_path`` on every warehouse session, so unqualified names resolve."""


class StagingConfig(_Section):
    """Where extracts leave files for the loads: ``s3://bucket/prefix`` or a local directory."""

    location: str = "/tmp/dataduct-staging"
    aws_conn_id: ConnId = "aws_default"
    part_size_mb: Annotated[int, Field(ge=1, le=4096)] = 128
    """Uncompressed size at which an extract starts a new part file."""


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


class DataductConfig(_Section):
    """The whole shared configuration."""

    warehouse: WarehouseConfig = WarehouseConfig()
    hosts: dict[str, ConnId] = {}
    """Dataduct host aliases (``host_name``, ``source_host``) to Airflow connection ids."""
    staging: StagingConfig = StagingConfig()
    defaults: DefaultsConfig = DefaultsConfig()
    sns: SnsConfig = SnsConfig()
    resource_base_path: str = "."
    """Base directory of relative paths in pipelines (``tables/...``); relative to this file."""
    _path: str = PrivateAttr(default="<defaults>")

    @property
    def path(self) -> str:
        """Where this configuration was read from."""
        return self._path

    @property
    def base_dir(self) -> Path:
        """The directory that relative resource paths resolve against."""
        here = Path(self.path).parent if self.path != "<defaults>" else Path.cwd()
        return (here / self.resource_base_path).resolve()

    def staging_location(self) -> str:
        """The staging root: an ``s3://`` URI, or an absolute local directory."""
        location = self.staging.location
        if "://" in location or os.path.isabs(location):
            return location.rstrip("/")
        here = Path(self.path).parent if self.path != "<defaults>" else Path.cwd()
        return str((here / location).resolve())


def load_config(path: str | Path) -> DataductConfig:
    """Read and validate the shared configuration file; raise DefinitionErrors listing problems."""
    try:
        data, source = load_yaml_file(path)
    except DefinitionError as exc:
        raise DefinitionErrors([exc]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        error = DefinitionError("expected a mapping of sections", Location(str(path), 1, 1))
        raise DefinitionErrors([error])
    try:
        config = DataductConfig.model_validate(data)
    except ValidationError as exc:
        raise DefinitionErrors(to_definition_errors(exc, DataductConfig, source)) from None
    config._path = str(path)
    return config


def find_config(definitions_dir: str | Path) -> DataductConfig:
    """The configuration of a definitions folder: its ``dataduct.yaml``, or the defaults."""
    candidate = Path(definitions_dir) / CONFIG_FILE_NAME
    if candidate.exists():
        return load_config(candidate)
    config = DataductConfig()
    config._path = str(candidate)
    return config
