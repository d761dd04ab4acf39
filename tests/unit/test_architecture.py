"""The house's shape: no import cycle anywhere in the package, and registries that agree."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

import airflow_dataduct
from airflow_dataduct.builders import BUILDERS
from airflow_dataduct.model.steps import STEP_KINDS, STEP_MODELS


def import_cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Every set of the package's modules that import each other in a circle (Tarjan)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not imported.startswith(package):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycle_in_the_package_counting_deferred_and_type_checking_imports() -> None:
    graph = grimp.build_graph("airflow_dataduct", exclude_type_checking_imports=False)
    assert import_cycles(graph, "airflow_dataduct") == []


def test_the_cycle_finder_reports_a_circle() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.a")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert import_cycles(graph, "pkg") == [["pkg.a", "pkg.b"]]


def test_every_step_type_has_a_model_and_a_builder_of_that_model() -> None:
    assert set(STEP_MODELS) == set(BUILDERS) == set(STEP_KINDS)
    mismatched = {t: b.params for t, b in BUILDERS.items() if b.params is not STEP_MODELS[t]}
    assert mismatched == {}


def undocumented_deferred_imports(package_dir: Path) -> list[str]:
    """``file:line`` of each import inside a function without a ``# deferred: <why>`` comment
    on its lines or on the line above."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    text = " ".join(lines[inner.lineno - 2 : inner.end_lineno])
                    if "# deferred:" not in text:
                        found.append(f"{path}:{inner.lineno}")
    return found


def test_every_deferred_import_says_why() -> None:
    package = Path(airflow_dataduct.__file__).parent
    assert undocumented_deferred_imports(package) == []


def test_an_unexplained_deferred_import_is_reported(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "def f():\n    import json\n\n\ndef g():\n    import os  # deferred: x\n"
    )
    assert undocumented_deferred_imports(tmp_path) == [f"{tmp_path / 'm.py'}:2"]
