"""Custom step types: a team adds (or overrides) a step type without forking (docs/steps.md).

A custom step is a class with

* ``params``: its parameter model, a subclass of :class:`~airflow_dataduct.model.steps.StepParams`
  (``step_type``, ``name``, ``depends_on``, ... come with it);
* ``build(ctx, step)``: a static or class method returning the step's Airflow operator
  (``ctx`` is a :class:`~airflow_dataduct.builders.BuildContext`, ``step`` a ``StepSpec``);
* optionally ``kind``: a :class:`~airflow_dataduct.model.steps.StepKind` (Dataduct class name
  for default step names, and how it chains); default: named after the class, chaining like a
  transform.

It is registered in one of two ways; a registration overrides a built-in type of the same name:

* in ``dataduct.yaml`` (Dataduct's ``custom_steps``):
  ``custom_steps: [{step_type: my-step, module: my_team.steps, class_name: MyStep}]``, or with
  ``file_path: steps/my_step.py`` relative to ``custom_steps_path``;
* by an installed package, with an entry point in the group ``airflow_dataduct.steps``:
  ``my-step = my_team.steps:MyStep`` (the entry point's name is the step type).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow_dataduct.builders import BUILDERS
from airflow_dataduct.builders.registry import StepBuilder
from airflow_dataduct.errors import DefinitionError, Location
from airflow_dataduct.factory.state import installed_entry_points
from airflow_dataduct.model.paths import expand_path
from airflow_dataduct.model.steps import STEP_KINDS, STEP_MODELS
from airflow_dataduct.model.steps.base import StepKind, StepParams

if TYPE_CHECKING:
    from airflow_dataduct.model.config import CustomStepConfig, DataductConfig

ENTRY_POINT_GROUP = "airflow_dataduct.steps"
_entry_points_loaded: list[DefinitionError] | None = None
_file_modules: dict[tuple[str, int], Any] = {}
_registered: dict[str, Any] = {}
"""step_type -> the custom class registered for it, in this process."""


def check_step_class(cls: Any) -> str | None:
    """Why ``cls`` cannot be a custom step, or None."""
    params = getattr(cls, "params", None)
    if not (isinstance(params, type) and issubclass(params, StepParams)):
        return "needs a 'params' attribute: a subclass of airflow_dataduct.model.steps.StepParams"
    if not callable(getattr(cls, "build", None)):
        return "needs a 'build(ctx, step)' static or class method returning an operator"
    kind = getattr(cls, "kind", None)
    if kind is not None and not isinstance(kind, StepKind):
        return "its 'kind' must be an airflow_dataduct.model.steps.StepKind"
    return None


def register_step_class(step_type: str, cls: Any) -> None:
    """Make ``step_type`` validate with ``cls.params`` and build with ``cls.build``."""
    STEP_KINDS[step_type] = getattr(cls, "kind", None) or StepKind(cls.__name__, ("TransformStep",))
    STEP_MODELS[step_type] = cls.params
    BUILDERS[step_type] = StepBuilder(cls.params, _build_with(cls))
    _registered[step_type] = cls


def registered_files() -> list[str]:
    """The files defining each registered custom step's class and parameter model: what the
    parse cache and the error report watch, so an edit of a custom step's module (in the folder
    or in an installed package) is never served stale."""
    files = set()
    for cls in _registered.values():
        for part in (cls, cls.params):
            try:
                files.add(inspect.getfile(part))
            except TypeError:  # defined outside any file: nothing to watch
                continue
    return sorted(files)


def _build_with(cls: Any) -> Any:
    """A custom class's ``build(ctx, step)`` as a builder of the registry's shape."""

    def build(ctx: Any, step: Any, params: Any) -> Any:
        return cls.build(ctx, step)

    return build


def _load_file(path: Path) -> Any:
    """Import a Python file once per modification (Dataduct's ``imp.load_source``)."""
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _file_modules:
        # A top-level module name, so pickled pipelines (the parse cache) can find the classes.
        digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
        name = f"dataduct_custom_step_{path.stem}_{digest}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        _file_modules[key] = module
    return _file_modules[key]


def _load_configured(entry: CustomStepConfig, config: DataductConfig) -> Any:
    if entry.module is not None:
        module = importlib.import_module(entry.module)
    else:
        path = (config.custom_steps_dir / expand_path(entry.file_path or "")).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"file_path '{entry.file_path}' not found ({path})")
        module = _load_file(path)
    cls = getattr(module, entry.class_name, None)
    if cls is None:
        raise AttributeError(f"{module.__name__} has no class '{entry.class_name}'")
    return cls


def _register(step_type: str, load: Any, location: Location, key: str) -> DefinitionError | None:
    try:
        cls = load()
    except Exception as exc:  # any error of a team's module is reported, never raised
        return DefinitionError(f"custom step '{step_type}': {exc}", location, key=key)
    problem = check_step_class(cls)
    if problem:
        return DefinitionError(
            f"custom step '{step_type}': class {cls.__name__} {problem}", location, key=key
        )
    register_step_class(step_type, cls)
    return None


def load_entry_point_steps() -> list[DefinitionError]:
    """Register the step types of installed packages (once per process)."""
    global _entry_points_loaded
    if _entry_points_loaded is None:
        errors = []
        for name, value in installed_entry_points(ENTRY_POINT_GROUP):
            point = EntryPoint(name, value, ENTRY_POINT_GROUP)
            location = Location(f"entry point {ENTRY_POINT_GROUP}:{name}")
            error = _register(name, point.load, location, "custom_steps")
            if error:
                errors.append(error)
        _entry_points_loaded = errors
    return list(_entry_points_loaded)


def register_custom_steps(config: DataductConfig, source: Any = None) -> list[DefinitionError]:
    """Register the entry point steps, then the config's ``custom_steps`` (which win)."""
    errors = load_entry_point_steps()
    for index, entry in enumerate(config.custom_steps):
        at = ("custom_steps", index)
        location = source.locate(at) if source is not None else Location(config.path)
        error = _register(
            entry.step_type,
            lambda entry=entry: _load_configured(entry, config),
            location,
            "custom_steps",
        )
        if error:
            errors.append(error)
    return errors
