"""Builders of the SQL / warehouse step family: create-update-sql, the upsert family
(upsert, reload, delta-load, load-reload-pk), sql-command, extract-redshift,
extract-postgres, load-redshift and load-postgres."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperator, TaskGroup

from airflow_dataduct.builders.inputs import load_runner_kwargs, staged_input_kwargs
from airflow_dataduct.builders.registry import BuildContext
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps.sql import (
    CreateUpdateSqlParams,
    DeltaLoadParams,
    ExtractPostgresParams,
    ExtractRedshiftParams,
    LoadPostgresParams,
    LoadRedshiftParams,
    LoadReloadPkParams,
    SqlCommandParams,
    UpsertParams,
)
from airflow_dataduct.operators.checks import PrimaryKeyCheckOperator
from airflow_dataduct.operators.extract_rds import ExtractRdsOperator
from airflow_dataduct.operators.extract_redshift import ExtractRedshiftOperator
from airflow_dataduct.operators.load import CreateLoadRedshiftOperator
from airflow_dataduct.operators.load_postgres import LoadPostgresOperator
from airflow_dataduct.operators.load_redshift import LoadRedshiftOperator
from airflow_dataduct.operators.sql_command import CreateUpdateSqlOperator, SqlCommandOperator
from airflow_dataduct.operators.upsert import UpsertOperator
from airflow_dataduct.sql.load_modes import delta_filter_clause
from airflow_dataduct.sql.upsert import UpsertOptions


def script_text(ctx: BuildContext, command: str | None, script: str | None) -> str:
    """Inline ``command``/``sql``, or the text of the ``script`` file (resource-relative)."""
    if command is not None:
        return command
    assert script is not None, "validated: exactly one of command / script"
    return ctx.config.resource(script).read_text(encoding="utf-8")


def upsert_task(
    ctx: BuildContext, step: StepSpec, params: UpsertParams, **overrides: Any
) -> BaseOperator:
    """The operator of an upsert-family step (upsert, reload, delta-load)."""
    destination = step.tables["destination"]
    filter_clause = params.filter_clause
    if isinstance(params, DeltaLoadParams):
        filter_clause = delta_filter_clause(destination, params.date_column, params.window)
    options = UpsertOptions(
        enforce_primary_key=params.enforce_primary_key,
        delete_existing=params.delete_existing,
        filter_clause=filter_clause,
        history=step.tables.get("history"),
    )
    source = step.tables.get("source")
    return UpsertOperator(
        source=source if source is not None else script_text(ctx, params.sql, params.script),
        destination=destination,
        options=options,
        analyze_table=params.analyze_table,
        script_arguments=params.script_arguments,
        non_transactional=params.non_transactional,
        **ctx.warehouse_kwargs(),
        **{**ctx.task_kwargs(step), **overrides},
    )


def build_create_update_sql(
    ctx: BuildContext, step: StepSpec, params: CreateUpdateSqlParams
) -> BaseOperator:
    return CreateUpdateSqlOperator(
        table=step.tables["table_definition"],
        sql=script_text(ctx, params.command, params.script),
        script_arguments=params.script_arguments,
        analyze_table=params.analyze_table,
        non_transactional=params.non_transactional,
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_sql_command(ctx: BuildContext, step: StepSpec, params: SqlCommandParams) -> BaseOperator:
    return SqlCommandOperator(
        sql=script_text(ctx, params.command, params.script),
        script_arguments=params.script_arguments,
        queue=params.queue,
        wrap_transaction=params.wrap_transaction,
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_load_reload_pk(
    ctx: BuildContext, step: StepSpec, params: LoadReloadPkParams
) -> TaskGroup:
    """Dataduct's three activities as one task group named by the step: create_and_load
    (staging table) -> reload (production from staging) -> primary_key_check."""
    staging = step.tables["staging_table_definition"]
    production = step.tables["production_table_definition"]
    base = ctx.task_kwargs(step)
    with TaskGroup(group_id=step.name, tooltip=base["doc_md"]) as group:
        load = CreateLoadRedshiftOperator(
            table=staging,
            iam_role=ctx.config.warehouse.iam_role,
            s3_region=ctx.config.staging.region,
            **load_runner_kwargs(params.script_arguments),
            **staged_input_kwargs(ctx, step),
            **ctx.warehouse_kwargs(),
            **{**base, "task_id": "create_and_load"},
        )
        reload = UpsertOperator(
            source=staging,
            destination=production,
            options=UpsertOptions(
                enforce_primary_key=params.enforce_primary_key, delete_existing=True
            ),
            analyze_table=params.analyze_table,
            non_transactional=params.non_transactional,
            **ctx.warehouse_kwargs(),
            **{**base, "task_id": "reload"},
        )
        check = PrimaryKeyCheckOperator(
            table=production,
            test_name=f"{ctx.test_name(step)}_primary_key_check",
            **ctx.qa_kwargs(step),
            **ctx.warehouse_kwargs(),
            **{**base, "task_id": "primary_key_check"},
        )
        load >> reload >> check
    return group


def build_extract_redshift(
    ctx: BuildContext, step: StepSpec, params: ExtractRedshiftParams
) -> BaseOperator:
    return ExtractRedshiftOperator(
        schema=params.schema_,
        table=params.table,
        iam_role=ctx.config.warehouse.iam_role,
        s3_region=ctx.config.staging.region,
        **ctx.extract_kwargs(step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_extract_postgres(
    ctx: BuildContext, step: StepSpec, params: ExtractPostgresParams
) -> BaseOperator:
    return ExtractRdsOperator(
        sql=params.sql or "",
        table=params.table,
        source_conn_id=ctx.config.postgres.conn_id,
        **ctx.extract_kwargs(step),
        **ctx.task_kwargs(step),
    )


def build_load_redshift(
    ctx: BuildContext, step: StepSpec, params: LoadRedshiftParams
) -> BaseOperator:
    return LoadRedshiftOperator(
        schema=params.schema_,
        table=params.table,
        insert_mode=params.insert_mode,
        max_errors=params.max_errors,
        replace_invalid_char=params.replace_invalid_char,
        compression=params.compression,
        iam_role=ctx.config.warehouse.iam_role,
        s3_region=ctx.config.staging.region,
        **staged_input_kwargs(ctx, step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_load_postgres(
    ctx: BuildContext, step: StepSpec, params: LoadPostgresParams
) -> BaseOperator:
    return LoadPostgresOperator(
        table=params.table,
        insert_query=params.insert_query,
        conn_id=ctx.config.postgres.conn_id,
        **staged_input_kwargs(ctx, step),
        **ctx.task_kwargs(step),
    )
