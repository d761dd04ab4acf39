"""Every exception this package raises on purpose, all subclasses of :class:`DataductError`.

Errors found in definitions name the file, line, column and key. This module imports nothing
from Airflow, so the definitions layer stays importable without it; where Airflow must see an
Airflow exception (a failed QA check is not retried), the runtime raises one from these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in a definition file; line and column are 1-based (0 = unknown)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        return f"{self.path}:{self.line}:{self.column or 1}"


class DataductError(Exception):
    """Base class of every error this package raises on purpose."""


class DefinitionError(DataductError):
    """One problem in one definition file (pipeline YAML, config, table or CQL file)."""

    def __init__(self, message: str, location: Location, key: str | None = None) -> None:
        self.message = message
        self.location = location
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class DefinitionErrors(DataductError):
    """Every problem found in one or more definition files, reported together."""

    def __init__(self, errors: Iterable[DefinitionError]) -> None:
        self.errors = sorted(
            errors, key=lambda e: (e.location.path, e.location.line, e.location.column)
        )
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class WarehouseSchemaError(DataductError):
    """A warehouse table does not match its table definition."""


class StepFailed(DataductError):
    """A step's work failed: the message names the step and the cause."""

    def __init__(self, step: str, step_type: str, cause: BaseException | str) -> None:
        self.step = step
        self.step_type = step_type
        super().__init__(f"step '{step}' ({step_type}) failed: {cause}")


class BrokenDefinitions(DataductError):
    """The import error of the error-report DAG file: every broken definition, one per line."""


class DpExpressionError(DataductError, ValueError):
    """A Data Pipeline expression (``#{...}``) that cannot be translated."""


class ClusterError(DataductError, ValueError):
    """A problem with one ``emr_cluster_config`` key (or the config default behind it)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class ColumnCheckError(DataductError, ValueError):
    """A column-check's source sample and warehouse query do not line up (a definition
    problem)."""


class DataQualityCheckFailed(DataductError):
    """A QA check found the data outside its tolerance. The runtime raises Airflow's
    ``AirflowFailException`` from it, so the task is not retried: the data would not change."""


class TransformFailed(DataductError):
    """A transform's program exited with a non-zero code; its output was discarded."""


class RedshiftCannotLoad(DataductError, ValueError):
    """Staged data that Redshift's COPY would load wrong: refused before any SQL runs."""


class RecordTooLong(DataductError):
    """A row the MySQL server formats as one record outgrew its ``max_allowed_packet`` (the
    server then returns NULL); the extract formats that query's rows in Python instead."""
