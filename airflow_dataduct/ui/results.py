"""QA history rows as check results the pages show: read through the warehouse connection."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_dataduct.qa.history import (
    HISTORY_COLUMNS,
    latest_results_sql,
    pipeline_results_sql,
)
from airflow_dataduct.ui.settings import ViewSettings

HISTORY_LIMIT = 500
"""Rows of one pipeline read for its tab (newest first)."""

NUMBERS: tuple[tuple[str, str], ...] = (
    ("source_count", "source rows"),
    ("destination_count", "warehouse rows"),
    ("duplicated_keys", "duplicated keys"),
    ("surplus_rows", "surplus rows"),
    ("sampled", "sampled"),
    ("compared", "compared"),
    ("mismatches", "mismatches"),
    ("missing_in_destination", "missing"),
)
"""Result keys shown as numbers, in order, with their labels."""


class HistoryUnavailable(Exception):
    """The warehouse or the history table cannot be read; the message says which and why."""


@dataclass(frozen=True)
class CheckResult:
    """One recorded check run."""

    pipeline: str
    test_name: str
    check_type: str
    table: str | None
    run_date: dt.datetime | None
    recorded_at: dt.datetime | None
    success: bool
    tolerance: float | None
    error_rate: float | None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        """``pass``, ``warn`` or ``fail`` (rows recorded before outcomes were: pass or fail)."""
        return str(self.details.get("outcome") or ("pass" if self.success else "fail"))

    @property
    def numbers(self) -> list[tuple[str, int]]:
        """The counts this check type reports, labelled."""
        return [(label, int(self.details[k])) for k, label in NUMBERS if k in self.details]

    @property
    def airflow(self) -> dict[str, Any]:
        """dag_id, run_id, task_id, map_index and try_number of the task that recorded it."""
        ids = self.details.get("airflow")
        return ids if isinstance(ids, dict) else {}

    @property
    def task_id(self) -> str:
        return str(self.airflow.get("task_id") or self.test_name.split(".", 1)[-1])


def to_result(row: Sequence[Any]) -> CheckResult:
    """A history row (columns in HISTORY_COLUMNS order) as a result."""
    values = dict(zip((name for name, _ in HISTORY_COLUMNS), row, strict=True))
    try:
        details = json.loads(values["details"] or "{}")
    except ValueError:
        details = {}
    return CheckResult(
        pipeline=values["pipeline_name"],
        test_name=values["test_name"] or "",
        check_type=values["check_type"] or "",
        table=values["table_name"],
        run_date=values["run_date"],
        recorded_at=values["recorded_at"],
        success=bool(values["success"]),
        tolerance=values["tolerance"],
        error_rate=values["error_rate"],
        details=details if isinstance(details, dict) else {},
    )


class HistoryReader:
    """Reads the QA history table through the warehouse connection of ``settings``."""

    def __init__(self, settings: ViewSettings) -> None:
        self.settings = settings

    def _query(self, sql: str, params: Sequence[Any] | None = None) -> list[CheckResult]:
        # deferred: the warehouse hooks load provider code, needed only when a page is read
        from airflow_dataduct.connections.warehouse import Warehouse

        where = f"{self.settings.history_table} (connection {self.settings.conn_id})"
        try:
            warehouse = Warehouse(self.settings.conn_id, self.settings.search_path)
            rows = warehouse.query(sql, params)
        except Exception as exc:  # any driver or connection error becomes a message
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "does not exist" in first and "relation" in first:
                raise HistoryUnavailable(
                    f"No QA result recorded yet: {where} does not exist ({first})"
                ) from exc
            raise HistoryUnavailable(f"Cannot read {where}: {first}") from exc
        return [to_result(r) for r in rows]

    def latest(self, pipelines: set[str] | None = None) -> list[CheckResult]:
        """Each check's latest result, of ``pipelines`` only when given."""
        results = self._query(latest_results_sql(self.settings.history_table))
        return [r for r in results if pipelines is None or r.pipeline in pipelines]

    def pipeline(self, dag_id: str) -> list[CheckResult]:
        """The pipeline's recent results, oldest first."""
        sql = pipeline_results_sql(self.settings.history_table, HISTORY_LIMIT)
        return list(reversed(self._query(sql, [dag_id])))

    def task_instance(self, dag_id: str, run_id: str, task_id: str) -> list[CheckResult]:
        """What the task ``task_id`` of run ``run_id`` recorded (one per try)."""
        return [
            r
            for r in self.pipeline(dag_id)
            if r.airflow.get("run_id") == run_id and r.task_id == task_id
        ]
