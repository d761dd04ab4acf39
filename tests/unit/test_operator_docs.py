"""Every operator of ``airflow_dataduct.operators`` documents each ``__init__`` argument as
``:param name:``, as Airflow's provider operators do."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest
from airflow.sdk import BaseOperator

import airflow_dataduct.operators as operators_package
from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.operators.staged_input import StagedInputMixin

PACKAGE = "airflow_dataduct."
PARAM = re.compile(r":param\s+(\w+):")
VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def operator_classes() -> list[type]:
    """Every operator class defined in a module of ``airflow_dataduct.operators``, and the
    mixin the loads share."""
    found = []
    prefix = f"{operators_package.__name__}."
    for info in pkgutil.iter_modules(operators_package.__path__, prefix):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if not inspect.isclass(value) or value.__module__ != module.__name__:
                continue
            if issubclass(value, BaseOperator) or value is StagedInputMixin:
                found.append(value)
    return sorted(found, key=lambda cls: cls.__name__)


def own_arguments(cls: type) -> list[str]:
    """The named arguments of the ``__init__`` that ``cls`` itself defines."""
    init = vars(cls).get("__init__")
    if init is None:
        return []
    parameters = list(inspect.signature(init).parameters.values())[1:]  # without self
    return [p.name for p in parameters if p.kind not in VARIADIC]


def documented(cls: type) -> set[str]:
    """The ``:param`` names of ``cls``'s own docstring (``inspect.getdoc`` would inherit)."""
    return set(PARAM.findall(vars(cls).get("__doc__") or ""))


def undocumented(cls: type) -> list[str]:
    """``cls``'s ``__init__`` arguments with no ``:param``: its own must be in its docstring,
    inherited ones in its docstring or in a package base class's."""
    bases = [k for k in cls.__mro__[1:] if k.__module__.startswith(PACKAGE)]
    own = documented(cls)
    anywhere = own.union(*(documented(k) for k in bases))
    missing = [name for name in own_arguments(cls) if name not in own]
    missing += [
        f"{name} (of {base.__name__})"
        for base in bases
        for name in own_arguments(base)
        if name not in anywhere
    ]
    return missing


def assert_documented(cls: type) -> None:
    missing = undocumented(cls)
    assert not missing, f"{cls.__name__} has no ':param name:' for: {', '.join(missing)}"


def test_the_walk_finds_every_kind_of_operator() -> None:
    names = {cls.__name__ for cls in operator_classes()}
    assert {
        "WarehouseOperator",
        "StagedInputMixin",
        "CreateLoadRedshiftOperator",
        "LoadPostgresOperator",
        "PipelineDependenciesSensor",
        "DataductEmrAddStepsOperator",
        "SqlScriptOperator",
        "SqlCommandOperator",
    } <= names


@pytest.mark.parametrize("cls", operator_classes(), ids=lambda cls: cls.__name__)
def test_operator_documents_every_argument(cls: type) -> None:
    assert_documented(cls)


class HalfDocumentedOperator(WarehouseOperator):
    """Documents ``table`` but not ``limit``; the warehouse arguments are inherited.

    :param table: the table.
    """

    def __init__(self, *, table: str, limit: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.limit = limit


class SilentSubclass(HalfDocumentedOperator):
    """Adds ``sample`` and documents neither it nor anything else."""

    def __init__(self, *, sample: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sample = sample


def test_an_undocumented_argument_fails_with_its_name() -> None:
    with pytest.raises(
        AssertionError, match=r"(?m)^HalfDocumentedOperator has no ':param name:' for: limit$"
    ):
        assert_documented(HalfDocumentedOperator)


def test_an_own_argument_must_be_in_the_class_own_docstring() -> None:
    assert undocumented(SilentSubclass) == ["sample"]
