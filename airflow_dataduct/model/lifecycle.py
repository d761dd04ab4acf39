"""Dataduct's ``bootstrap`` and ``teardown`` steps (docs/pipelines.md), before they become
Airflow setup and teardown tasks.

A pipeline's own ``bootstrap``/``teardown`` replaces the config's default entirely. Steps from
the config are located in the config file, so their errors point there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_dataduct.errors import Location
from airflow_dataduct.model.yaml_source import SourceMap, load_yaml_file

if TYPE_CHECKING:
    from airflow_dataduct.model.config import DataductConfig

CONFIG_ROOT = "<config>"
"""First element of a key path that lies in the config file rather than the pipeline."""


@dataclass(frozen=True)
class RawStep:
    """One bootstrap or teardown step as written, with where it was written."""

    root: tuple[Any, ...]
    """Key path of the list (or the mapping) holding it; the index follows for list items."""
    index: int | None
    raw: Any
    role: str


class Sources:
    """The pipeline's source map, plus the config's for key paths under :data:`CONFIG_ROOT`."""

    def __init__(self, main: SourceMap, config_path: str | None = None) -> None:
        self.main = main
        self.path = main.path
        self._config_path = config_path
        self._config: SourceMap | None = None

    def locate(self, key_path: tuple[Any, ...], prefer_value: bool = False) -> Location:
        if key_path and key_path[0] == CONFIG_ROOT and self._config_path:
            if self._config is None:
                self._config = load_yaml_file(self._config_path)[1]
            return self._config.locate(key_path[1:], prefer_value)
        return self.main.locate(key_path, prefer_value)


def lifecycle_steps(
    bootstrap: dict[str, list[Any]] | None,
    teardown: dict[str, Any] | None,
    config: DataductConfig,
) -> list[RawStep]:
    """The bootstrap (setup) steps, then the teardown step, of one pipeline."""
    steps: list[RawStep] = []
    root: tuple[Any, ...] = ("bootstrap",)
    if bootstrap is None and config.bootstrap is not None:
        bootstrap, root = config.bootstrap, (CONFIG_ROOT, "bootstrap")
    for resource, raws in (bootstrap or {}).items():
        steps += [RawStep((*root, resource), i, raw, "setup") for i, raw in enumerate(raws)]
    root = ("teardown",)
    if teardown is None and config.teardown is not None:
        teardown, root = config.teardown, (CONFIG_ROOT, "teardown")
    if teardown is not None:
        steps.append(RawStep(root, None, teardown, "teardown"))
    return steps
