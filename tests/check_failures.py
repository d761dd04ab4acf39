"""A failed QA check as Airflow sees it: AirflowFailException from DataQualityCheckFailed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_dataduct.errors import DataQualityCheckFailed


@contextmanager
def raises_check_failure(match: str | None = None) -> Iterator[pytest.ExceptionInfo]:
    """Expect a failed check: Airflow's no-retry exception, raised from DataQualityCheckFailed
    with the same message."""
    with pytest.raises(AirflowFailException, match=match) as exc:
        yield exc
    cause = exc.value.__cause__
    assert isinstance(cause, DataQualityCheckFailed), f"raised from {cause!r}"
    assert str(cause) == str(exc.value)
