"""Redshift up to the connection: the real RedshiftSQLHook with its DB-API connection replaced
by a recorder of the statements sent (Redshift cannot run here). Every statement is checked
by the Redshift conformance checker as the server would receive it (bound statements through
redshift_connector's own ``convert_paramstyle``)."""

from __future__ import annotations

from typing import Any

import pytest
from redshift_connector.core import convert_paramstyle

from airflow_dataduct.operators.base import WarehouseOperator
from airflow_dataduct.sql.identifiers import Dialect
from tests.redshift_conformance import RedshiftConformance

REDSHIFT_URI = "redshift://etl:secret@redshift.example:5439/dw"


class Recorder:
    """A DB-API connection that records (statement, parameters) and answers catalog queries."""

    def __init__(self, answers: dict[str, list[tuple[Any, ...]]], fail_on: str = "") -> None:
        self.answers = answers
        self.fail_on = fail_on
        self.sent: list[tuple[str, Any]] = []
        self.commits = self.rollbacks = 0
        self.autocommit = True
        self.on_execute: Any = None
        self.conformance = RedshiftConformance()

    def server_text(self, sql: str, params: Any) -> str:
        """The statement text Redshift receives from redshift_connector."""
        return sql if params is None else convert_paramstyle("format", sql)[0]

    def cursor(self) -> Recorder:
        return self

    def execute(self, sql: str, params: Any = None) -> None:
        self.conformance.check(self.server_text(sql, params), in_transaction=not self.autocommit)
        self.sent.append((sql, params))
        if self.fail_on and sql.startswith(self.fail_on):
            raise RuntimeError(f"{self.fail_on} failed. Check 'stl_load_errors' for details")
        if self.on_execute:
            self.on_execute(sql)
        self._rows = next((r for k, r in self.answers.items() if sql.startswith(k)), [])
        self.rowcount = len(self._rows)

    def fetchone(self) -> tuple[Any, ...]:
        return self._rows[0]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        self.rollbacks += 1

    def close(self) -> None:
        pass

    def statements(self) -> list[str]:
        return [s for s, _ in self.sent]


def on_redshift(
    operator: WarehouseOperator, monkeypatch: pytest.MonkeyPatch, conn: Recorder
) -> WarehouseOperator:
    monkeypatch.setenv("AIRFLOW_CONN_REDSHIFT_WH", REDSHIFT_URI)
    assert operator.warehouse.dialect is Dialect.REDSHIFT
    spare = Recorder({}, "")
    spare.sent = conn.sent
    spare.conformance = conn.conformance
    sessions = iter([conn, spare, spare])
    monkeypatch.setattr(operator.warehouse.hook, "get_conn", lambda: next(sessions))
    return operator
