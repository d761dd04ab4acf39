"""Operating pipelines: retries and timeouts, alerts, bootstrap/teardown, assets, QA history SQL
and the step table in the DAG docs (pure: no database, no AWS)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pytest

from airflow_dataduct.alerts import FailureAlert, failure_message
from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.assets import table_uri
from airflow_dataduct.factory.dag import build_dag
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.factory.loader import load_dags, scan
from airflow_dataduct.model.steps import STEP_KINDS, STEP_MODELS
from airflow_dataduct.qa.history import create_history_sql, first_table, insert_history_sql
from airflow_dataduct.qa.outcome import QaPolicy, qa_should_fail
from airflow_dataduct.sql.identifiers import Dialect

ROOT = Path(__file__).resolve().parents[3]
ARN = "arn:aws:sns:us-east-1:123456789012:etl-failures"
CHECK = (
    "{step_type: count-check, source_host: h, source_table_name: a, "
    "destination_table_name: a, name: %s}"
)


def write(folder: Path, config: str, pipeline: str) -> Path:
    (folder / "dataduct.yaml").write_text("hosts: {h: conn}\n" + config)
    (folder / "p.yaml").write_text(pipeline)
    return folder


def build(folder: Path):  # type: ignore[no-untyped-def]
    result = scan(folder)
    assert not result.errors, [str(e) for e in result.errors]
    return build_dag(result.pipelines[0], open_definitions(folder))


def errors(folder: Path) -> list[str]:
    return [str(e) for e in scan(folder).errors]


def test_retry_backoff_and_timeouts_come_from_config_pipeline_and_step(tmp_path: Path) -> None:
    write(
        tmp_path,
        "defaults: {retries: 2, retry_exponential_backoff: 2, max_retry_delay_minutes: 60,\n"
        "           execution_timeout_minutes: 30}\n",
        "name: p\nec2_resource_config: {terminate_after: 2 Hours}\nsteps:\n"
        f"- {CHECK % 'inherits'}\n"
        "- {step_type: count-check, source_host: h, source_table_name: a,\n"
        "   destination_table_name: a, name: own, execution_timeout: 15 Minutes}\n",
    )
    dag = build(tmp_path)
    inherits, own = dag.get_task("inherits"), dag.get_task("own")
    assert inherits.retries == 2
    assert inherits.retry_exponential_backoff == 2
    assert inherits.max_retry_delay == dt.timedelta(minutes=60)
    assert inherits.execution_timeout == dt.timedelta(hours=2), "terminate_after wins"
    assert own.execution_timeout == dt.timedelta(minutes=15), "the step's own wins"


def test_config_execution_timeout_applies_without_terminate_after(tmp_path: Path) -> None:
    write(
        tmp_path,
        "defaults: {execution_timeout_minutes: 30}\n",
        f"name: p\nsteps:\n- {CHECK % 'c'}\n",
    )
    assert build(tmp_path).get_task("c").execution_timeout == dt.timedelta(minutes=30)


def test_bad_terminate_after_and_timeout_are_located_errors(tmp_path: Path) -> None:
    write(
        tmp_path,
        "",
        "name: p\nec2_resource_config: {terminate_after: soon}\nsteps:\n"
        "- {step_type: count-check, source_host: h, source_table_name: a,\n"
        "   destination_table_name: a, execution_timeout: 5 Fortnights}\n",
    )
    found = errors(tmp_path)
    assert any(":2:" in e and "terminate_after" in e for e in found), found
    assert any(":5:" in e and "'5 Fortnights'" in e for e in found), found


def test_topic_arn_must_be_an_sns_arn(tmp_path: Path) -> None:
    write(tmp_path, "", f"name: p\ntopic_arn: my-topic\nsteps:\n- {CHECK % 'c'}\n")
    found = errors(tmp_path)
    assert len(found) == 1 and "p.yaml:2:" in found[0] and "topic_arn" in found[0], found


@pytest.mark.parametrize(
    ("notifier", "message"),
    [
        ("airflow_dataduct.no_such_module.Notifier", "does not resolve"),
        ("airflow.providers.amazon.aws.notifications.sns.NoSuchNotifier", "does not resolve"),
        ("airflow_dataduct.alerts.FailureAlert", "is not an Airflow BaseNotifier"),
    ],
)
def test_a_notifier_that_does_not_resolve_is_a_config_error(
    tmp_path: Path, notifier: str, message: str
) -> None:
    write(
        tmp_path,
        f"alerts:\n  notifiers:\n  - notifier: {notifier}\n",
        f"name: p\nsteps:\n- {CHECK % 'c'}\n",
    )
    found = errors(tmp_path)
    assert len(found) == 1 and "dataduct.yaml:" in found[0] and message in found[0], found


def test_notifier_args_are_checked_when_the_config_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "alerts:\n  notifiers:\n"
        "  - notifier: airflow.providers.amazon.aws.notifications.sns.SnsNotifier\n"
        "    args: {no_such_argument: 1}\n",
        f"name: p\nsteps:\n- {CHECK % 'c'}\n",
    )
    assert any("rejects its args" in e for e in errors(tmp_path))


def test_qa_warn_needs_somewhere_to_send_the_warning(tmp_path: Path) -> None:
    write(tmp_path, "qa: {on_failure: warn}\n", f"name: p\nsteps:\n- {CHECK % 'c'}\n")
    assert any("needs sns.warning_topic_arn" in e for e in errors(tmp_path))


def test_a_typo_in_an_operations_key_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "qa: {on_falure: warn}\n", f"name: p\nsteps:\n- {CHECK % 'c'}\n")
    assert any("on_falure" in e for e in errors(tmp_path))


def test_failure_alert_is_wired_only_when_a_destination_exists(tmp_path: Path) -> None:
    write(tmp_path, "", f"name: p\nsteps:\n- {CHECK % 'c'}\n")
    assert build(tmp_path).get_task("c").on_failure_callback in (None, [])
    write(tmp_path, f"sns: {{failure_topic_arn: '{ARN}'}}\n", f"name: p\nsteps:\n- {CHECK % 'c'}\n")
    callbacks = build(tmp_path).get_task("c").on_failure_callback
    callback = callbacks[0] if isinstance(callbacks, list) else callbacks
    assert isinstance(callback, FailureAlert)
    assert callback.settings.failure_topic_arn == ARN


def test_pipeline_topic_arn_overrides_the_config_topic(tmp_path: Path) -> None:
    own = ARN.replace("etl-failures", "team-failures")
    write(
        tmp_path,
        f"sns: {{failure_topic_arn: '{ARN}'}}\n",
        f"name: p\ntopic_arn: {own}\nsteps:\n- {CHECK % 'c'}\n",
    )
    callbacks = build(tmp_path).get_task("c").on_failure_callback
    callback = callbacks[0] if isinstance(callbacks, list) else callbacks
    assert callback.settings.failure_topic_arn == own


def test_failure_message_names_pipeline_task_run_date_error_and_log() -> None:
    ti = SimpleNamespace(
        dag_id="users",
        task_id="load_staging",
        try_number=2,
        run_id="scheduled__2026-01-01T12:00:00+00:00",
        log_url="http://airflow/dags/users/runs/x/tasks/load_staging?try_number=2",
    )
    start = dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone.utc)
    context = {
        "ti": ti,
        "exception": ValueError("invalid input syntax for type bigint: {{ x }}"),
        "data_interval_start": start,
    }
    subject, message = failure_message(context)
    assert subject == "Airflow-Dataduct pipeline users failed: load_staging"
    assert "Pipeline: users" in message
    assert "Failed task: load_staging (try 2)" in message
    assert "Run date (scheduled start): 2026-01-01T12:00:00+00:00" in message
    assert "Error: ValueError: invalid input syntax for type bigint: {{ x }}" in message
    assert f"Log: {ti.log_url}" in message


def test_bootstrap_and_teardown_become_setup_and_teardown_tasks(tmp_path: Path) -> None:
    write(
        tmp_path,
        "",
        "name: p\nbootstrap:\n  ec2:\n"
        f"  - {CHECK % 'prepare'}\n"
        f"teardown: {CHECK % 'cleanup'}\n"
        f"steps:\n- {CHECK % 'first'}\n- {CHECK % 'second'}\n",
    )
    dag = build(tmp_path)
    prepare, cleanup = dag.get_task("prepare"), dag.get_task("cleanup")
    assert prepare.is_setup and cleanup.is_teardown
    assert prepare.downstream_task_ids == {"first", "second", "cleanup"}
    assert cleanup.upstream_task_ids == {"prepare", "first", "second"}
    assert cleanup.trigger_rule == "all_done_setup_success"


def test_config_bootstrap_and_teardown_are_the_default(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"teardown: {CHECK % 'config_cleanup'}\n",
        f"name: p\nsteps:\n- {CHECK % 'only'}\n",
    )
    dag = build(tmp_path)
    assert dag.get_task("config_cleanup").is_teardown
    (tmp_path / "p.yaml").write_text(
        f"name: p\nteardown: {CHECK % 'own_cleanup'}\nsteps:\n- {CHECK % 'only'}\n"
    )
    assert set(build(tmp_path).task_ids) == {"only", "own_cleanup"}, "the pipeline's replaces"


def test_bad_config_teardown_step_is_reported_in_the_config_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        "teardown: {step_type: count-check, source_hots: h}\n",
        f"name: p\nsteps:\n- {CHECK % 'only'}\n",
    )
    found = errors(tmp_path)
    assert found and all("dataduct.yaml:2:" in e for e in found), found


def test_unbuilt_bootstrap_step_type_is_not_supported_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(STEP_MODELS, "transform", raising=False)
    assert "transform" in STEP_KINDS
    write(
        tmp_path,
        "",
        "name: p\nbootstrap:\n  ec2:\n  - {step_type: transform, command: echo hi}\n"
        f"steps:\n- {CHECK % 'only'}\n",
    )
    found = errors(tmp_path)
    assert any(":4:" in e and "not supported yet" in e for e in found), found


def test_users_writes_its_tables_as_assets() -> None:
    users = load_dags(ROOT / "dag_definitions")["users"]
    outlets = {t.task_id: [a.uri for a in t.outlets] for t in users.tasks if t.outlets}
    assert outlets == {
        "load_staging": ["x-dataduct://dataduct_warehouse/staging/maestro_users"],
        "upsert_users": ["x-dataduct://dataduct_warehouse/prod/users"],
    }


def test_schedule_on_tables_runs_on_the_writers_assets(tmp_path: Path) -> None:
    from airflow.sdk import AssetAll, AssetOrTimeSchedule
    from airflow.sdk.definitions.timetables.assets import AssetTriggeredTimetable

    write(
        tmp_path,
        "",
        f"name: p\nschedule_on_tables: [prod.users, prod.votes]\nsteps:\n- {CHECK % 'c'}\n",
    )
    dag = build(tmp_path)
    assert isinstance(dag.timetable, AssetTriggeredTimetable)
    condition = dag.timetable.asset_condition
    assert isinstance(condition, AssetAll)
    assert [a.uri for a in condition.objects] == [
        table_uri("dataduct_warehouse", "prod.users"),
        table_uri("dataduct_warehouse", "prod.votes"),
    ]
    (tmp_path / "p.yaml").write_text(
        f"name: p\nfrequency: daily\nschedule_on_tables: prod.users\nsteps:\n- {CHECK % 'c'}\n"
    )
    dag = build(tmp_path)
    assert isinstance(dag.timetable, AssetOrTimeSchedule)
    from airflow.serialization.serialized_objects import DagSerialization

    assert DagSerialization.to_dict(dag)["dag"]["timetable"], "the scheduler can store it"


def test_schedule_on_tables_needs_schema_qualified_names(tmp_path: Path) -> None:
    write(tmp_path, "", f"name: p\nschedule_on_tables: [users]\nsteps:\n- {CHECK % 'c'}\n")
    found = errors(tmp_path)
    assert found and "p.yaml:2:" in found[0], found


def test_dag_docs_show_the_yaml_and_tables_first_then_every_step_and_its_line() -> None:
    users = load_dags(ROOT / "dag_definitions")["users"]
    first = users.doc_md.split("### Steps")[0]
    source = (ROOT / "dag_definitions" / "users.yaml").read_text().rstrip()
    assert f"### users.yaml\n\n```yaml\n{source}\n```" in first
    assert "-- file: tables/prod.users.sql\nCREATE TABLE prod.users (\n" in first
    assert "    PRIMARY KEY (user_id)\n)\nCOMPOUND SORTKEY (user_id)\n" in first
    assert "| upsert_users | upsert | load_staging | 16 |" in users.doc_md
    assert "<br>" not in users.doc_md, "no wrapped chips of parameters"


def test_each_task_doc_shows_its_step_yaml_with_line_numbers() -> None:
    doc = load_dags(ROOT / "dag_definitions")["users"].get_task("upsert_users").doc_md
    assert doc == (
        "**upsert** step upsert_users: `users.yaml`, line 16\n\n```yaml\n"
        "16  -   step_type: upsert\n17      name: upsert_users\n"
        "18      source: tables/staging.maestro_users.sql\n"
        "19      destination: tables/prod.users.sql\n```"
    )


def test_history_sql_creates_the_table_and_inserts_one_row() -> None:
    assert create_history_sql("qa.dba_table_qa_tests", Dialect.POSTGRES) == [
        "CREATE SCHEMA IF NOT EXISTS qa",
        "CREATE TABLE IF NOT EXISTS qa.dba_table_qa_tests (pipeline_name VARCHAR(256), "
        "table_name VARCHAR(256), test_name VARCHAR(512), check_type VARCHAR(64), "
        "run_date TIMESTAMPTZ, recorded_at TIMESTAMPTZ, success BOOLEAN, tolerance DOUBLE "
        "PRECISION, error_rate DOUBLE PRECISION, source_count BIGINT, destination_count BIGINT, "
        "details TEXT)",
    ]
    assert "details VARCHAR(65535)" in create_history_sql("t", Dialect.REDSHIFT)[0]
    assert insert_history_sql("dba_table_qa_tests").endswith(
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("SELECT user_id FROM prod.users", "prod.users"),
        ('SELECT COUNT(*) FROM (SELECT a FROM "Prod"."Users") AS x', "Prod.Users"),
        ("SELECT 1", None),
    ],
)
def test_the_checked_table_is_the_first_one_read(sql: str, table: str | None) -> None:
    assert first_table(sql) == table


def test_a_failed_check_fails_unless_the_policy_warns() -> None:
    assert qa_should_fail(False, None)
    assert qa_should_fail(False, QaPolicy("p"))
    assert not qa_should_fail(False, QaPolicy("p", warn=True))
    assert not qa_should_fail(False, QaPolicy("p", topic_arn=ARN)), "Dataduct's step topic warns"
    assert not qa_should_fail(True, QaPolicy("p"))


def test_config_rejects_a_non_arn_warning_topic(tmp_path: Path) -> None:
    write(tmp_path, "sns: {warning_topic_arn: warnings}\n", f"name: p\nsteps:\n- {CHECK % 'c'}\n")
    with pytest.raises(DefinitionErrors, match="warning_topic_arn"):
        open_definitions(tmp_path)
