"""Fixtures of the reliability tests, and the session's fault summary line."""

from __future__ import annotations

from typing import Any

from tests.integration.reliability.support import Ledger


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """``faults survived: N/M``: faults injected in this session that the pipelines survived."""
    if Ledger.injected:
        terminalreporter.write_sep(
            "=", f"faults survived: {len(Ledger.survived)}/{len(Ledger.injected)}"
        )
