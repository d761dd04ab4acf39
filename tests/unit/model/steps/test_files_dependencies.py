"""``script_arguments`` of ``pipeline-dependencies``: Dataduct's dependency-check executor flags
mapped onto the step's parameters, and every way to get them wrong."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from airflow.sdk.exceptions import AirflowFailException

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.dag import build_dag
from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import Pipeline, parse_pipeline
from airflow_dataduct.model.steps.files import PipelineDependenciesParams, parse_dependency_flags
from airflow_dataduct.operators.dependencies import DEFAULT_DAY, rendered_day

TOPIC = "arn:aws:sns:us-east-1:123456789012:failures"
OTHER_TOPIC = "arn:aws:sns:us-east-1:123456789012:deps"
CONFIG = DataductConfig.model_validate({"sns": {"failure_topic_arn": TOPIC}})


def read(keys: str, config: DataductConfig = CONFIG) -> Pipeline:
    """A pipeline whose one step is ``pipeline-dependencies`` with ``keys`` (indented YAML)."""
    text = f"name: p\nsteps:\n-   step_type: pipeline-dependencies\n    name: wait\n{keys}"
    return parse_pipeline(text, "p.yaml", config)


def params(keys: str) -> PipelineDependenciesParams:
    step_params = read(keys).step("wait").params
    assert isinstance(step_params, PipelineDependenciesParams)
    return step_params


def error(keys: str) -> str:
    with pytest.raises(DefinitionErrors) as exc:
        read(keys)
    [only] = exc.value.errors
    return str(only)


@pytest.mark.parametrize(
    "keys",
    [
        "    script_arguments: [--dependencies, a, b, --refresh_rate, 60]\n",
        "    script_arguments: [--dependencies_ok_to_fail, x, --refresh_rate=60]\n"
        "    dependent_pipelines: [a, b]\n",
        "    script_arguments: {refresh_rate: 60}\n    dependent_pipelines: [a, b]\n",
        "    script_arguments: [{refresh_rate: 60}, --dependencies, a, b]\n",
        "    script_arguments: [--refresh_rate, 60]\n    dependent_pipelines: [a, b]\n",
        "    script_arguments: --refresh_rate=60\n    dependent_pipelines: [a, b]\n",
        "    script_arguments: [--refresh=60, --dependencies, a, b]\n",  # argparse abbreviation
    ],
)
def test_flags_in_each_dataduct_form_set_the_step(keys: str) -> None:
    step = params(keys)
    assert step.pipelines == ["a", "b"]
    assert step.poke_interval == 60


def test_equals_form_gives_one_pipeline() -> None:
    assert params("    script_arguments: [--dependencies=a]\n").pipelines == ["a"]


def test_ok_to_fail_flag_lists_pipelines_that_may_fail() -> None:
    step = params("    script_arguments: [--dependencies_ok_to_fail, x, y]\n")
    assert (step.pipelines, step.pipelines_ok_to_fail) == ([], ["x", "y"])


def test_flags_become_the_sensor_arguments() -> None:
    config = DataductConfig.model_validate(
        {"defaults": {"name_prefix": "prod"}, "sns": {"failure_topic_arn": TOPIC}}
    )
    keys = (
        "    script_arguments:\n"
        "    -   --dependencies\n    -   a\n    -   b\n"
        "    -   --dependencies_ok_to_fail\n    -   x\n"
        "    -   --refresh_rate=45\n"
        "    -   --start_date=2026-02-03\n"
        f"    -   --sns_topic_arn={OTHER_TOPIC}\n"
        "    -   --pipeline_name=nightly\n"
    )
    sensor = build_dag(read(keys, config), config).get_task("wait")
    assert sensor.dependencies == ["prod_a", "prod_b"]
    assert sensor.ok_to_fail == ["prod_x"]
    assert sensor.poke_interval == 45
    assert sensor.day == "2026-02-03"
    assert sensor.sns_topic_arn == OTHER_TOPIC
    assert sensor.pipeline_name == "nightly"


def test_step_without_flags_keeps_its_keys_and_the_config_topic() -> None:
    sensor = build_dag(read("    dependent_pipelines: a\n"), CONFIG).get_task("wait")
    assert (sensor.dependencies, sensor.ok_to_fail) == (["a"], [])
    assert sensor.poke_interval == 300
    assert sensor.day == DEFAULT_DAY
    assert (sensor.sns_topic_arn, sensor.pipeline_name) == (TOPIC, "p")


def test_dp_expression_start_date_flag_renders_the_day_before() -> None:
    keys = (
        "    dependent_pipelines: a\n    script_arguments:\n"
        "    -   \"--start_date=#{format(minusDays(@scheduledStartTime,1),'YYYY-MM-dd')}\"\n"
    )
    dag = build_dag(read(keys), CONFIG)
    sensor = dag.get_task("wait")
    assert "{{" in sensor.day
    start = pendulum.datetime(2026, 3, 5, 1, 0)
    day = sensor.render_template(sensor.day, {"data_interval_start": start, "dag_run": None})
    assert rendered_day(day) == dt.date(2026, 3, 4)


def test_start_date_key_also_takes_a_dp_expression() -> None:
    step = params(
        "    dependent_pipelines: a\n"
        "    start_date: \"#{format(@scheduledStartTime,'YYYY-MM-dd')}\"\n"
    )
    assert step.day == "{{ (data_interval_start or dag_run.run_after).strftime('%Y-%m-%d') }}"


def test_start_date_key_is_still_a_plain_date() -> None:
    assert params("    dependent_pipelines: a\n    start_date: 2026-02-03\n").day == dt.date(
        2026, 2, 3
    )


@pytest.mark.parametrize(
    ("keys", "key", "flag", "line"),
    [
        (
            "    script_arguments: [--refresh_rate=60]\n"
            "    dependent_pipelines: a\n    refresh_rate: 30\n",
            "refresh_rate",
            "--refresh_rate",
            7,
        ),
        (
            "    script_arguments: [--dependencies, b]\n    dependent_pipelines: a\n",
            "dependent_pipelines",
            "--dependencies",
            6,
        ),
        (
            "    script_arguments: [--dependencies_ok_to_fail, b]\n"
            "    dependent_pipelines_ok_to_fail: [a]\n",
            "dependent_pipelines_ok_to_fail",
            "--dependencies_ok_to_fail",
            6,
        ),
        (
            "    script_arguments: [--start_date=2026-01-01]\n"
            "    dependent_pipelines: a\n    start_date: 2026-01-02\n",
            "start_date",
            "--start_date",
            7,
        ),
    ],
)
def test_key_given_also_as_flag_is_an_error_at_the_key(
    keys: str, key: str, flag: str, line: int
) -> None:
    message = error(keys)
    assert message.startswith(f"p.yaml:{line}:")
    assert f"{key}: also given as '{flag}' in script_arguments (give it once)" in message


def test_empty_key_beside_its_flag_is_not_a_conflict() -> None:
    step = params("    dependent_pipelines: []\n    script_arguments: [--dependencies, a]\n")
    assert step.pipelines == ["a"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            "[--dependencies, a, --refreshrate=5]",
            "unknown flag '--refreshrate' of pipeline-dependencies "
            "(did you mean '--refresh_rate'?) (known: --dependencies,",
        ),
        ("[--dependencies, a, --help]", "unknown flag '--help' of pipeline-dependencies"),
        ("[stray, --dependencies, a]", "unexpected argument 'stray'"),
        ("[--dependencies, a, --dependencies, b]", "--dependencies: given more than once"),
        ("[--dependencies]", "argument --dependencies: expected at least one argument"),
        ("[--dependencies, a, --refresh_rate]", "argument --refresh_rate: expected one argument"),
        ("[--dependencies, a, --dep, b]", "ambiguous option: --dep could match"),
        ("[--dependencies, a, --refresh_rate=x]", "'script_arguments.refresh_rate': expected"),
        ("[--dependencies, a, --refresh_rate=0]", "greater than or equal to 1"),
        ("[--dependencies, a, --start_date=soon]", "start_date: expected a date YYYY-MM-DD"),
        ("[--dependencies, a, --start_date=2026-02-30]", "got '2026-02-30'"),
        ("[--dependencies, a, --sns_topic_arn=nope]", "script_arguments.sns_topic_arn"),
        ("[--dependencies, 'two words']", "script_arguments.dependencies.0"),
        ("[[--dependencies, a]]", "expected a list of arguments, a mapping or a string"),
    ],
)
def test_bad_flag_is_one_error_at_script_arguments(arguments: str, message: str) -> None:
    found = error(f"    script_arguments: {arguments}\n")
    assert found.startswith("p.yaml:5:")
    assert message in found


def test_dependency_in_both_lists_across_key_and_flag_is_an_error() -> None:
    found = error(
        "    dependent_pipelines: a\n    script_arguments: [--dependencies_ok_to_fail, a]\n"
    )
    assert "listed both as dependency and ok to fail: ['a']" in found


def test_no_dependency_in_keys_or_flags_is_an_error() -> None:
    assert "found neither" in error("    script_arguments: [--refresh_rate=5]\n")


def test_flag_parser_reads_dataduct_words() -> None:
    words = ["--dependencies", "a", "b", "--refresh_rate=5", "--start_date", "2026-01-01"]
    assert parse_dependency_flags(words) == {
        "dependencies": ["a", "b"],
        "refresh_rate": "5",
        "start_date": "2026-01-01",
    }


def test_badly_rendered_start_date_fails_without_retry() -> None:
    with pytest.raises(AirflowFailException, match="start_date rendered as 'tomorrow'"):
        rendered_day("tomorrow")
