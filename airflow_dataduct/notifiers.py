"""Airflow notifiers named by import path: resolved, checked against their arguments, built.

A leaf module: the config names notifiers; the factory checks them when definitions are
opened; the alerts build them when a task fails or a check warns.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow.sdk import BaseNotifier


def resolve_notifier(path: str) -> type:
    """The notifier class at ``module.Class``; ValueError when it does not resolve."""
    module_name, _, name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"notifier '{path}' does not resolve: {exc}") from None
    if not (isinstance(cls, type) and issubclass(cls, BaseNotifier)):
        raise ValueError(f"notifier '{path}' is not an Airflow BaseNotifier class")
    return cls


def check_notifier(path: str, args: Mapping[str, Any]) -> None:
    """Raise ValueError unless ``path`` is a notifier class that accepts ``args``."""
    cls = resolve_notifier(path)
    try:
        cls(**args)
    except TypeError as exc:
        raise ValueError(f"notifier '{path}' rejects its args: {exc}") from None


@dataclass(frozen=True)
class NotifierSpec:
    """A configured notifier: import path and keyword arguments."""

    path: str
    args: tuple[tuple[str, Any], ...] = ()

    def build(self) -> Any:
        return resolve_notifier(self.path)(**dict(self.args))
