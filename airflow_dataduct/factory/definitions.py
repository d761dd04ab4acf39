"""Opening a definitions folder: the one place where its configuration takes effect.

Reading ``dataduct.yaml`` (:func:`airflow_dataduct.model.config.find_config`) only validates
it. Opening the folder also registers its custom step types, checks that its notifiers
resolve and that its staging location suits Airflow's executor; the loader (DAG building) and
the CLI both open folders through here.
"""

from __future__ import annotations

from pathlib import Path

from airflow.configuration import conf

from airflow_dataduct.errors import DefinitionError, DefinitionErrors, Location
from airflow_dataduct.factory.custom_steps import register_custom_steps
from airflow_dataduct.model.config import DataductConfig, find_config
from airflow_dataduct.notifiers import check_notifier


def open_definitions(definitions_dir: str | Path) -> DataductConfig:
    """The folder's configuration, with its custom steps registered and its notifiers checked;
    DefinitionErrors lists every problem, each at its place in ``dataduct.yaml``."""
    config = find_config(definitions_dir)
    errors = register_custom_steps(config, config.source)
    errors += notifier_errors(config)
    errors += staging_errors(config, conf.get("core", "executor"))
    if errors:
        raise DefinitionErrors(errors)
    return config


def notifier_errors(config: DataductConfig) -> list[DefinitionError]:
    """Each configured notifier that does not resolve, or rejects its arguments."""
    errors = []
    for index, entry in enumerate(config.alerts.notifiers):
        try:
            check_notifier(entry.notifier, entry.args)
        except ValueError as exc:
            at = ("alerts", "notifiers", index, "notifier")
            source = config.source
            location = source.locate(at) if source is not None else Location(config.path)
            errors.append(DefinitionError(str(exc), location, key="notifier"))
    return errors


SINGLE_MACHINE_EXECUTORS = frozenset({"LocalExecutor", "SequentialExecutor", "DebugExecutor"})
"""Executors that run every task on the scheduler's machine; any other may not."""


def distributed_executors(setting: str) -> list[str]:
    """The executors of Airflow's ``[core] executor`` setting that may run tasks on other
    machines: ``CeleryExecutor``, ``a.b.KubernetesExecutor``, ``alias:a.b.EdgeExecutor``..."""
    names = [part.split(":")[-1].rsplit(".", 1)[-1].strip() for part in setting.split(",")]
    return [name for name in names if name and name not in SINGLE_MACHINE_EXECUTORS]


def staging_errors(config: DataductConfig, executor_setting: str) -> list[DefinitionError]:
    """A local staging directory when tasks may run on different machines: a load would not
    find the files its extract left on another worker's disk."""
    staging = config.staging
    distributed = distributed_executors(executor_setting)
    if not distributed or not staging.is_local() or staging.shared_filesystem:
        return []
    source = config.source
    location = source.locate(("staging", "location")) if source else Location(config.path)
    message = (
        f"staging.location '{staging.location}' is a local directory, but Airflow's executor "
        f"({executor_setting}) runs tasks on several machines: a load would not find the files "
        f"its extract left on another worker. Use S3 (location: s3://bucket/prefix), or set "
        f"staging.shared_filesystem: true if this directory is one filesystem mounted on every "
        f"worker"
    )
    return [DefinitionError(message, location, key="location")]
