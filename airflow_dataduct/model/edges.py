"""Dataduct's chaining rules: which step feeds which (implicit chaining, ``input_node``,
``output_node``, ``depends_on``), checked and resolved into each step's upstream steps.

The rules are Dataduct's (docs/dataduct-differences.md): a step takes the previous step's
staged output unless it drops its input or names another with ``input_node``; ``depends_on``
adds order without data; bootstrap and teardown steps pass no data to the others.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from airflow_dataduct.errors import Location
from airflow_dataduct.model.cql import CqlTable
from airflow_dataduct.model.steps import STEP_KINDS
from airflow_dataduct.model.steps.base import StepParams
from airflow_dataduct.model.validation import suggest
from airflow_dataduct.tables.model import Table

ErrorSink = Callable[..., None]
"""Records an error: ``(message, key_path, key=None)``."""


@dataclass(frozen=True)
class StepInput:
    """One input of a step: a step's (or an output node's) staged output (docs/pipelines.md)."""

    source: str
    """A step name, or an ``output_node`` name of an earlier ``transform``."""
    subdir: str | None = None
    """With several inputs (an ``input_node`` map): the subdirectory it is staged into."""


@dataclass
class StepDraft:
    """A step while its file is being validated."""

    index: int
    step_type: str
    params: StepParams
    name: str = ""
    tables: dict[str, Table] = field(default_factory=dict)
    upstream: list[str] = field(default_factory=list)
    input_step: str | None = None
    inputs: list[Any] = field(default_factory=list)
    at: tuple[Any, ...] = ()
    """Key path of the step in its file."""
    role: str = "main"
    cql_tables: dict[str, CqlTable] = field(default_factory=dict)


class EdgeResolver:
    """Resolves the edges of one pipeline's steps, reporting problems to ``error``."""

    def __init__(self, error: ErrorSink, locate: Callable[[tuple[Any, ...]], Location]) -> None:
        self.error = error
        self.locate = locate
        self.output_nodes: dict[str, str] = {}
        """``output_node`` name -> the transform step that writes it."""

    def resolve(self, drafts: list[StepDraft]) -> None:
        """Dataduct's edges (docs/pipelines.md): implicit chaining, input_node and depends_on."""
        names = {d.name: d for d in drafts}
        previous: StepDraft | None = None
        for draft in drafts:
            if previous is not None and previous.role != draft.role:
                previous = None  # bootstrap and teardown steps pass no data to the others
            self._resolve_input(draft, previous, names)
            for name in draft.params.depends_on:
                if name not in names:
                    hint = suggest(name, names)
                    self.error(
                        f"depends_on: no step named '{name}'{hint}",
                        (*draft.at, "depends_on"),
                        "depends_on",
                    )
                elif name not in draft.upstream:
                    draft.upstream.append(name)
            previous = draft
        self._check_cycles(drafts)

    def _resolve_input(
        self, draft: StepDraft, previous: StepDraft | None, names: dict[str, StepDraft]
    ) -> None:
        kind = STEP_KINDS[draft.step_type]
        node = draft.params.input_node
        at = (*draft.at, "input_node")
        if kind.drops_input or not getattr(draft.params, "takes_input", True):
            if node not in (None, []):
                self.error(f"{draft.step_type} takes no input_node", at, "input_node")
        elif isinstance(node, dict):
            if not getattr(draft.params, "multi_input", False):
                message = (
                    f"input_node with several inputs is not supported by {draft.step_type} yet"
                )
                self.error(message, at, "input_node")
                return
            for source, subdir in node.items():
                if self._input_source(source, (*at, source), names):
                    draft.inputs.append(StepInput(source, str(subdir)))
        elif isinstance(node, str):
            if self._input_source(node, at, names):
                draft.input_step = node
        elif (
            node is None
            and draft.params.input_path is None
            and previous is not None
            and self._outputs_data(previous)
        ):
            draft.input_step = previous.name
        if draft.input_step:
            draft.inputs = [StepInput(draft.input_step)]
        for item in draft.inputs:
            producer = self.output_nodes.get(item.source, item.source)
            if producer not in draft.upstream:
                draft.upstream.append(producer)
        named = isinstance(node, (str, dict))  # a bad input_node is reported already
        if not draft.inputs and not named and kind.needs_input and draft.params.input_path is None:
            self.error(
                f"{draft.step_type} has no input: put it after a step that stages data "
                "(such as extract-rds) or name one with input_node",
                (*draft.at, "step_type"),
            )
        self._register_outputs(draft, names)

    @staticmethod
    def _outputs_data(draft: StepDraft) -> bool:
        """Whether the step exposes one staged output (docs/pipelines.md)."""
        nodes = getattr(draft.params, "output_nodes", ())
        return STEP_KINDS[draft.step_type].outputs_data and not nodes

    def _input_source(self, name: str, at: tuple[Any, ...], names: dict[str, StepDraft]) -> bool:
        """Check that ``name`` is an earlier output node or a step with one staged output."""
        if name in self.output_nodes:
            return True
        later = [d for d in names.values() if name in getattr(d.params, "output_nodes", ())]
        if name not in names and later:
            line = self.locate(later[0].at).line
            self.error(
                f"input_node: output node '{name}' is used before it is produced "
                f"(by step '{later[0].name}' on line {line})",
                at,
                "input_node",
            )
            return False
        if name not in names:
            hint = suggest(name, [*names, *self.output_nodes])
            self.error(f"input_node: no step or output node named '{name}'{hint}", at)
            return False
        producer = names[name]
        nodes = getattr(producer.params, "output_nodes", ())
        if nodes:
            listed = ", ".join(nodes)
            self.error(f"input_node: step '{name}' writes output nodes ({listed}): name one", at)
            return False
        if not STEP_KINDS[producer.step_type].outputs_data:
            self.error(f"input_node: step '{name}' produces no data", at, "input_node")
            return False
        return True

    def _register_outputs(self, draft: StepDraft, names: dict[str, StepDraft]) -> None:
        """Make a transform's ``output_node`` names usable as later steps' ``input_node``."""
        for index, node in enumerate(getattr(draft.params, "output_nodes", ())):
            if node in names or node in self.output_nodes:
                owner = self.output_nodes.get(node)
                taken = f"an output node of step '{owner}'" if owner else "a step name"
                at = (*draft.at, "output_node", index)
                self.error(f"output_node '{node}' is already {taken}", at, "output_node")
                continue
            self.output_nodes[node] = draft.name

    def _check_cycles(self, drafts: list[StepDraft]) -> None:
        sorter = graphlib.TopologicalSorter({d.name: d.upstream for d in drafts})
        try:
            sorter.prepare()
        except graphlib.CycleError as exc:
            cycle = exc.args[1]
            first = next(d for d in drafts if d.name == cycle[0])
            self.error(f"steps form a cycle: {' -> '.join(cycle)}", first.at)
