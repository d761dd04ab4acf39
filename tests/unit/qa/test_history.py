"""Dataduct's log_to_s3 for QA checks: the model keys and the result row."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from airflow_dataduct.model.steps.qa import CountCheckParams, PrimaryKeyCheckParams
from airflow_dataduct.qa.history import result_row


def test_primary_key_check_takes_log_to_s3_and_a_path_suffix() -> None:
    params = PrimaryKeyCheckParams.model_validate(
        {
            "step_type": "primary-key-check",
            "table_definition": "tables/t.sql",
            "log_to_s3": True,
            "script_arguments": ["--path_suffix={{ ds }}"],
        }
    )
    assert params.log_to_s3 is True
    assert params.path_suffix == "{{ ds }}"


def test_qa_script_arguments_other_than_path_suffix_are_refused() -> None:
    with pytest.raises(
        ValidationError, match="the built-in check takes only '--path_suffix=<suffix>'"
    ):
        CountCheckParams.model_validate(
            {
                "step_type": "count-check",
                "source_host": "h",
                "source_table_name": "a",
                "destination_table_name": "a",
                "script_arguments": ["--max_error=3"],
            }
        )


def test_result_row_has_dataduct_columns() -> None:
    at = dt.datetime(2026, 11, 26, 4, 5, 6, tzinfo=dt.timezone.utc)
    result = {
        "table": "prod.users",
        "test_name": "users.pk",
        "success": False,
        "tolerance": 2.0,
        "error_rate": 3.5,
    }
    assert result_row("users", result, at) == [
        "prod",
        "users",
        "users",
        "2026-11-26 04:05:06",
        "users.pk",
        "0",
        "2.0",
        "3.5",
    ]
