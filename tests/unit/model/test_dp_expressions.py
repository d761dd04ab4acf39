"""Data Pipeline expressions become Airflow templates when a pipeline is read."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pendulum
import pytest

from airflow_dataduct.errors import DefinitionErrors, DpExpressionError
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.dp_expressions import joda_to_strftime, translate, translate_values
from airflow_dataduct.model.pipeline import parse_pipeline

START = pendulum.datetime(2026, 3, 1, 1, 30, 5)
END = pendulum.datetime(2026, 3, 2, 1, 30, 5)


def render(template: str, **context: object) -> str:
    values = {"data_interval_start": START, "data_interval_end": END, "dag_run": None, **context}
    return jinja2.Template(template).render(values)


@pytest.mark.parametrize(
    ("expression", "rendered"),
    [
        ("#{format(@scheduledStartTime, 'YYYY-MM-dd')}", "2026-03-01"),
        ("#{format(@scheduledStartTime,'YYYYMMdd-HH-mm-ss')}", "20260301-01-30-05"),
        ("#{format(@scheduledEndTime, 'yyyy/MM/dd HH')}", "2026/03/02 01"),
        ("#{format(minusDays(@scheduledStartTime, 1), 'YYYY-MM-dd')}", "2026-02-28"),
        ("#{format(plusHours(@scheduledStartTime,2),'HH:mm')}", "03:30"),
        ("#{format(minusMonths(@scheduledStartTime, 1), 'MMM YYYY')}", "Feb 2026"),
        ("#{format(minusWeeks(@scheduledEndTime, 1), 'dd')}", "23"),
        ("#{@scheduledStartTime}", "2026-03-01T01:30:05"),
        ("#{minusMinutes(@scheduledStartTime, 30)}", "2026-03-01T01:00:05"),
    ],
)
def test_dp_expression_renders_like_data_pipeline(expression: str, rendered: str) -> None:
    assert render(translate(expression)) == rendered


def test_expression_inside_text_keeps_the_text() -> None:
    template = translate("--path_suffix=#{format(@scheduledStartTime, 'YYYY-MM-dd')} done")
    assert template.startswith("--path_suffix={{ ") and template.endswith(" }} done")
    assert render(template) == "--path_suffix=2026-03-01 done"


def test_manual_run_without_interval_uses_run_after() -> None:
    class Run:
        run_after = pendulum.datetime(2026, 5, 6)

    template = translate("#{format(@scheduledStartTime, 'YYYY-MM-dd')}")
    assert render(template, data_interval_start=None, dag_run=Run()) == "2026-05-06"


def test_quoted_literal_and_percent_in_format() -> None:
    assert joda_to_strftime("YYYY-MM-dd'T'HH 100%") == "%Y-%m-%dT%H 100%%"
    assert joda_to_strftime("dd''MM") == "%d'%m"


def test_s3_base_path_is_substituted() -> None:
    assert translate("s3://bucket/{S3_BASE_PATH}/data", "prod") == "s3://bucket/prod/data"
    assert translate("s3://bucket/{S3_BASE_PATH}/data") == "s3://bucket/{S3_BASE_PATH}/data"


def test_values_are_translated_in_lists_and_mappings() -> None:
    value = {"a": ["#{format(@scheduledStartTime,'YYYY')}", 4], "b": True}
    translated = translate_values(value)
    assert render(translated["a"][0]) == "2026"
    assert translated["a"][1] == 4 and translated["b"] is True


def test_text_without_expressions_is_unchanged() -> None:
    assert translate("SELECT '#' || 1, '{x}'") == "SELECT '#' || 1, '{x}'"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("#{format(@someTime,'YYYY')}", "unknown reference '@someTime'"),
        ("#{format(@scheduledStartTime,'YYYY-qq')}", "unsupported letter 'q'"),
        ("#{minusFortnights(@scheduledStartTime, 1)}", "unsupported function 'minusFortnights'"),
        ("#{format(@scheduledStartTime 'YYYY')}", "expected ','"),
        ("#{minusDays(@scheduledStartTime, x)}", "expected a whole number"),
        ("#{format(@scheduledStartTime,'YYYY')", "unterminated"),
    ],
)
def test_bad_expression_is_an_error(expression: str, message: str) -> None:
    with pytest.raises(DpExpressionError, match=message):
        translate(expression)


def pipeline_text(argument: str) -> str:
    return (
        "name: dp\nsteps:\n-   step_type: transform\n    command: echo\n"
        f'    script_arguments:\n    -   "{argument}"\n'
    )


def test_pipeline_reader_translates_step_values(tmp_path: Path) -> None:
    config = DataductConfig(s3_base_path="base")
    text = pipeline_text("--day=#{format(@scheduledStartTime, 'YYYY-MM-dd')}/{S3_BASE_PATH}")
    pipeline = parse_pipeline(text, tmp_path / "dp.yaml", config)
    (argument,) = pipeline.steps[0].params.script_arguments  # type: ignore[attr-defined]
    assert render(argument) == "--day=2026-03-01/base"


def test_pipeline_reader_reports_a_bad_expression_at_its_key(tmp_path: Path) -> None:
    text = pipeline_text("--day=#{format(@tomorrow, 'YYYY')}")
    with pytest.raises(DefinitionErrors) as exc:
        parse_pipeline(text, tmp_path / "dp.yaml", DataductConfig())
    (error,) = exc.value.errors
    assert "script_arguments: unknown reference '@tomorrow'" in str(error)
    assert error.location.line == 6
