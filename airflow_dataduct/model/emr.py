"""The pipeline's EMR cluster: ``emr_cluster_config`` merged over the config's ``emr``
(docs/emr.md).

Dataduct's keys map onto a modern ``RunJobFlow`` request: instance groups for the master, core
and (spot) task instances, an EMR release instead of an AMI/Hadoop version, Hive/Pig as
applications, bootstrap actions from S3, and ``terminate_after`` as idle auto-termination.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from airflow_dataduct.errors import ClusterError
from airflow_dataduct.model.config import EmrConfig

HADOOP2_RELEASE = "emr-5.36.2"
"""The newest EMR release line with Hadoop 2 (2.10): where Dataduct's AMIs 1.x-3.x and
``hadoop_version`` 1.x/2.x map to (AMI releases themselves no longer launch)."""
HADOOP3_RELEASE = "emr-6.15.0"
"""Where ``hadoop_version: 3.x`` maps to when the config's release is not Hadoop 3 already."""

_DURATION = re.compile(
    r"^\s*(\d+)\s*(second|minute|hour|day|week)s?\s*$",
    re.IGNORECASE,
)
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_BOOTSTRAP_SPLIT = re.compile(r"(?<!\\),")


def duration_seconds(text: str) -> int:
    """Dataduct's DP durations (``'6 Hours'``, ``'30 minutes'``) in seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"expected a duration such as '6 Hours', got {text!r}")
    return int(match.group(1)) * _SECONDS[match.group(2).lower()]


class Configuration(BaseModel):
    """One EMR configuration classification (``core-site``, ``mapred-site``, ...)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    Classification: str
    Properties: dict[str, str] = {}
    Configurations: list[Configuration] = []


class EmrClusterConfig(BaseModel):
    """The pipeline key ``emr_cluster_config``: Dataduct's EmrResource arguments plus modern
    EMR keys. Unknown keys are errors (Dataduct raised ``TypeError``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    num_instances: Annotated[int, Field(ge=0, le=1000)] | None = None
    """Core instances (Dataduct ``NUM_CORE_INSTANCES``)."""
    instance_size: str | None = None
    master_instance_size: str | None = None
    num_task_instances: Annotated[int, Field(ge=0, le=1000)] | None = None
    task_bid_price: Annotated[str, Field(pattern=r"^\d+(\.\d+)?$")] | float | None = None
    task_instance_type: str | None = None
    terminate_after: str | None = None
    hadoop_version: Annotated[str, Field(pattern=r"^\d+(\.\d+)*$")] | None = None
    install_hive: str | bool | None = None
    install_pig: str | bool | None = None
    ami_version: Annotated[str, Field(pattern=r"^\d+(\.\d+)*$")] | None = None
    bootstrap: str | dict[str, Any] | list[str] | None = None
    release_label: Annotated[str, Field(pattern=r"^emr-\d+\.\d+\.\d+$")] | None = None
    applications: list[str] | None = None
    configurations: list[Configuration] = []

    @model_validator(mode="after")
    def _one_release(self) -> EmrClusterConfig:
        if self.release_label and (self.ami_version or self.hadoop_version):
            raise ValueError("give release_label or ami_version/hadoop_version, not both")
        if self.terminate_after is not None:
            duration_seconds(self.terminate_after)
        return self


@dataclass(frozen=True)
class BootstrapAction:
    """One EMR bootstrap action: a script on S3 and its arguments."""

    path: str
    args: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> BootstrapAction:
        """Dataduct's bootstrap string: ``s3://script[,arg...]`` (``\\,`` is a literal comma)."""
        parts = [p.replace("\\,", ",").strip() for p in _BOOTSTRAP_SPLIT.split(text)]
        if not re.match(r"^s3n?://", parts[0]):
            raise ValueError(
                f"bootstrap action {parts[0]!r} is not an s3:// script: put the script on S3 "
                "(local scripts are not uploaded)"
            )
        return cls(parts[0], tuple(parts[1:]))


@dataclass(frozen=True)
class EmrCluster:
    """The resolved cluster of one pipeline: what ``RunJobFlow`` is asked for."""

    release_label: str
    applications: tuple[str, ...]
    master_instance_type: str
    core_instance_type: str
    num_core_instances: int
    task_instance_type: str
    num_task_instances: int
    task_bid_price: str | None
    idle_timeout_seconds: int
    bootstrap: tuple[BootstrapAction, ...]
    configurations: tuple[dict[str, Any], ...]
    service_role: str
    job_flow_role: str
    log_uri: str | None
    key_pair: str | None
    subnet_id: str | None
    aws_conn_id: str
    poke_interval: float
    sensor_mode: str

    def instance_groups(self) -> list[dict[str, Any]]:
        groups = [self._group("Master", "MASTER", self.master_instance_type, 1)]
        if self.num_core_instances:
            groups.append(
                self._group("Core", "CORE", self.core_instance_type, self.num_core_instances)
            )
        if self.num_task_instances:
            task = self._group("Task", "TASK", self.task_instance_type, self.num_task_instances)
            if self.task_bid_price:
                task.update(Market="SPOT", BidPrice=self.task_bid_price)
            groups.append(task)
        return groups

    @staticmethod
    def _group(name: str, role: str, instance_type: str, count: int) -> dict[str, Any]:
        return {
            "Name": name,
            "InstanceRole": role,
            "Market": "ON_DEMAND",
            "InstanceType": instance_type,
            "InstanceCount": count,
        }

    def job_flow_request(self, name: str, tags: dict[str, str]) -> dict[str, Any]:
        """The ``RunJobFlow`` request (``EmrCreateJobFlowOperator.job_flow_overrides``)."""
        instances: dict[str, Any] = {
            "InstanceGroups": self.instance_groups(),
            "KeepJobFlowAliveWhenNoSteps": True,
            "TerminationProtected": False,
        }
        if self.key_pair:
            instances["Ec2KeyName"] = self.key_pair
        if self.subnet_id:
            instances["Ec2SubnetId"] = self.subnet_id
        request: dict[str, Any] = {
            "Name": name,
            "ReleaseLabel": self.release_label,
            "Applications": [{"Name": a} for a in self.applications],
            "Instances": instances,
            "BootstrapActions": [
                {
                    "Name": f"bootstrap-{i}",
                    "ScriptBootstrapAction": {"Path": b.path, "Args": list(b.args)},
                }
                for i, b in enumerate(self.bootstrap)
            ],
            "Configurations": [dict(c) for c in self.configurations],
            "ServiceRole": self.service_role,
            "JobFlowRole": self.job_flow_role,
            "VisibleToAllUsers": True,
            "AutoTerminationPolicy": {"IdleTimeout": self.idle_timeout_seconds},
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        }
        if self.log_uri:
            request["LogUri"] = self.log_uri
        return request


def _release(keys: EmrClusterConfig, defaults: EmrConfig) -> str:
    if keys.release_label:
        return keys.release_label
    if keys.ami_version:
        major = keys.ami_version.split(".")[0]
        if major not in ("1", "2", "3"):
            raise ValueError(
                f"ami_version {keys.ami_version!r}: only AMI 1.x-3.x exist; use release_label"
            )
        return HADOOP2_RELEASE
    if keys.hadoop_version:
        major = keys.hadoop_version.split(".")[0]
        if major in ("1", "2"):
            return HADOOP2_RELEASE
        if major == "3":
            default_major = int(defaults.release_label.split("-")[1].split(".")[0])
            return defaults.release_label if default_major >= 6 else HADOOP3_RELEASE
        raise ValueError(f"hadoop_version {keys.hadoop_version!r}: use 1.x, 2.x or 3.x")
    return defaults.release_label


def _applications(keys: EmrClusterConfig, defaults: EmrConfig) -> tuple[str, ...]:
    apps = list(keys.applications if keys.applications is not None else defaults.applications)
    for flag, app in ((keys.install_hive, "Hive"), (keys.install_pig, "Pig")):
        if flag not in (None, False, "") and app not in apps:
            apps.append(app)
    return tuple(apps)


def _bootstrap(value: str | dict[str, Any] | list[str] | None) -> list[str]:
    """Dataduct's bootstrap forms: a string, ``{string: ...}`` (every value) or a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "string" not in value:
            raise ValueError(
                "bootstrap: only {string: 's3://script,args'} is supported; script files are "
                "not uploaded, put them on S3"
            )
        values = [
            v for item in value.values() for v in (item if isinstance(item, list) else [item])
        ]
        return [str(v) for v in values]
    return list(value)


def resolve_cluster(keys: EmrClusterConfig | None, defaults: EmrConfig) -> EmrCluster:
    """The cluster of a pipeline; ValueError(key, message) style errors carry the key name."""
    keys = keys or EmrClusterConfig()
    bid = keys.task_bid_price if keys.task_bid_price is not None else defaults.task_bid_price
    timeout = keys.terminate_after or defaults.cluster_timeout
    try:
        release = _release(keys, defaults)
    except ValueError as exc:
        key = "ami_version" if keys.ami_version else "hadoop_version"
        raise ClusterError(key, str(exc)) from None
    try:
        bootstrap = [
            BootstrapAction.parse(b)
            for b in [*defaults.default_bootstrap, *_bootstrap(keys.bootstrap)]
        ]
    except ValueError as exc:
        raise ClusterError("bootstrap", str(exc)) from None
    try:
        idle = duration_seconds(timeout)
    except ValueError as exc:
        raise ClusterError("terminate_after", str(exc)) from None
    return EmrCluster(
        release_label=release,
        applications=_applications(keys, defaults),
        master_instance_type=keys.master_instance_size or defaults.master_instance_type,
        core_instance_type=keys.instance_size or defaults.core_instance_type,
        num_core_instances=_first(keys.num_instances, defaults.num_core_instances),
        task_instance_type=keys.task_instance_type or defaults.task_instance_type,
        num_task_instances=_first(keys.num_task_instances, 0),
        task_bid_price=str(bid) if bid is not None else None,
        idle_timeout_seconds=min(max(idle, 60), 7 * 86400),
        bootstrap=tuple(bootstrap),
        configurations=tuple(c.model_dump() for c in keys.configurations),
        service_role=defaults.service_role,
        job_flow_role=defaults.job_flow_role,
        log_uri=defaults.log_uri,
        key_pair=defaults.key_pair,
        subnet_id=defaults.subnet_id,
        aws_conn_id=defaults.aws_conn_id,
        poke_interval=defaults.step_poke_interval_seconds,
        sensor_mode=defaults.step_sensor_mode,
    )


def _first(value: int | None, default: int) -> int:
    return default if value is None else value
