"""Opening a definitions folder: the one place where its configuration takes effect.

Reading ``dataduct.yaml`` (:func:`airflow_dataduct.model.config.find_config`) only validates
it. Opening the folder also registers its custom step types and checks that its notifiers
resolve; the loader (DAG building) and the CLI both open folders through here.
"""

from __future__ import annotations

from pathlib import Path

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
