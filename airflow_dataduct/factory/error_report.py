"""What the error-report DAG file calls: every broken definition of a folder, as one import
error; fast when nothing changed.

A full scan of the folder (by the loader's DAG file or by this one) records its errors with the
state of everything it read (:func:`~airflow_dataduct.factory.state.folder_state`). While that
state is unchanged, this file reports the recorded errors without validating anything: the
standard library only, no pipeline read. Any edit, in the folder or in a file it depends on,
changes the state, and the next parse scans again.
"""

from __future__ import annotations

from pathlib import Path

from airflow_dataduct.errors import BrokenDefinitions, DefinitionError
from airflow_dataduct.factory.state import definitions_dir, recorded_errors


def raise_definition_errors(default_folder: str | Path) -> None:
    """Raise one BrokenDefinitions listing every broken definition; return if there is none."""
    folder = definitions_dir(default_folder)
    errors = recorded_errors(folder)
    if errors is None:
        # deferred: validation loads the model; needed only when something changed
        from airflow_dataduct.factory.loader import scan

        errors = scan(folder).errors
    if errors:
        lines = [str(e) for e in sorted(errors, key=_position)]
        raise BrokenDefinitions(
            f"{len(errors)} problem(s) in the Dataduct definitions of {folder}:\n"
            + "\n".join(lines)
        )


def _position(error: DefinitionError) -> tuple[str, int, int]:
    return (error.location.path, error.location.line, error.location.column)
