"""The Redshift conformance checker on a real connection: every statement redshift_connector
sends is checked first, as the server receives it (bound statements through the driver's own
``convert_paramstyle``), inside a transaction unless the connection autocommits."""

from __future__ import annotations

from typing import Any

import redshift_connector
from redshift_connector.core import convert_paramstyle

from tests.redshift_conformance import RedshiftConformance

ORIGINAL_EXECUTE = redshift_connector.Cursor.execute


def checked_execute(checker: RedshiftConformance) -> Any:
    """``Cursor.execute`` that checks the statement, then sends it."""

    def execute(self: Any, operation: str, args: Any = None, *more: Any, **named: Any) -> Any:
        text = operation if args is None else convert_paramstyle(self.paramstyle, operation)[0]
        autocommit = bool(getattr(self._c, "autocommit", False))
        checker.check(text, in_transaction=not autocommit)
        return ORIGINAL_EXECUTE(self, operation, args, *more, **named)

    return execute


def install() -> None:
    """Check every statement of this process (``airflow dags test`` loads it from
    ``tests/system/site/sitecustomize.py``)."""
    redshift_connector.Cursor.execute = checked_execute(RedshiftConformance())
