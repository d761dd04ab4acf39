"""The manifest of a step's staged output: the parts an attempt completed, and path rules."""

from __future__ import annotations

import dataclasses
import json
import re

from airflow_dataduct.staging.interchange import FORMAT_NAME

MANIFEST = "manifest.json"
COPY_MANIFEST = "copy.manifest"
READ_CHUNK = 1 << 20
PROGRESS_ROWS = 1_000_000


def path_safe(text: str) -> str:
    """``text`` as one path component (used for run ids such as ``manual__2026-01-01T...``)."""
    return re.sub(r"[^A-Za-z0-9_.\-]+", "_", text).strip("._") or "_"


def step_prefix(dag_id: str, run_id: str, step_name: str) -> str:
    """The relative location of one step's staged output for one run."""
    return f"{path_safe(dag_id)}/{path_safe(run_id)}/{path_safe(step_name)}"


@dataclasses.dataclass(frozen=True)
class Part:
    """One staged file."""

    name: str
    rows: int
    bytes: int


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What an extract staged: its parts, row count and columns."""

    prefix: str
    parts: tuple[Part, ...]
    rows: int
    columns: tuple[str, ...] = ()
    format: str = FORMAT_NAME
    compression: str = "gzip"
    backslash_n_values: int = 0
    """Staged fields holding exactly the text ``\\N`` (written ``\\\\N``), which Redshift's COPY
    cannot tell from NULL; counted by the staged writer (0 in manifests written before, and
    where nothing counted: UNLOAD and EMR output)."""

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        parts = tuple(Part(**p) for p in data.pop("parts"))
        return cls(parts=parts, columns=tuple(data.pop("columns", ())), **data)
