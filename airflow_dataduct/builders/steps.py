"""Builders of the built-in step types."""

from __future__ import annotations

from airflow.sdk import BaseOperator

from airflow_dataduct.builders.inputs import load_runner_kwargs, staged_input_kwargs
from airflow_dataduct.builders.qa import check_program_task
from airflow_dataduct.builders.registry import BuildContext
from airflow_dataduct.builders.sql import upsert_task
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps.qa import CountCheckParams, PrimaryKeyCheckParams
from airflow_dataduct.model.steps.sql import (
    CreateLoadRedshiftParams,
    ExtractRdsParams,
    UpsertParams,
)
from airflow_dataduct.operators import (
    CountCheckOperator,
    CreateLoadRedshiftOperator,
    ExtractRdsOperator,
    PrimaryKeyCheckOperator,
)
from airflow_dataduct.sql.checks import count_sql, count_table_sql, dataduct_count_sql
from airflow_dataduct.tables.model import Table


def build_extract_rds(ctx: BuildContext, step: StepSpec, params: ExtractRdsParams) -> BaseOperator:
    return ExtractRdsOperator(
        sql=params.sql or "",
        table=params.table,
        source_conn_id=ctx.host_conn_id(params.host_name),
        database=params.database,
        splits=params.splits,
        **ctx.extract_kwargs(step),
        **ctx.task_kwargs(step),
    )


def build_create_load(
    ctx: BuildContext, step: StepSpec, params: CreateLoadRedshiftParams
) -> BaseOperator:
    return CreateLoadRedshiftOperator(
        table=step.tables["table_definition"],
        iam_role=ctx.config.warehouse.iam_role,
        **load_runner_kwargs(params.script_arguments),
        **staged_input_kwargs(ctx, step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_upsert(ctx: BuildContext, step: StepSpec, params: UpsertParams) -> BaseOperator:
    """Dataduct's upsert; reload and delta-load share it (airflow_dataduct.builders.sql)."""
    return upsert_task(ctx, step, params)


def build_primary_key_check(
    ctx: BuildContext, step: StepSpec, params: PrimaryKeyCheckParams
) -> BaseOperator:
    table = step.tables["table_definition"]
    if params.program is not None:
        return check_program_task(ctx, step, params, [f"--table={table.source_sql.strip()}"])
    return PrimaryKeyCheckOperator(
        table=table,
        test_name=ctx.test_name(step),
        **ctx.qa_kwargs(step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_count_check(ctx: BuildContext, step: StepSpec, params: CountCheckParams) -> BaseOperator:
    table = step.tables.get("destination_table_definition")
    if params.program is not None:
        return check_program_task(ctx, step, params, _count_check_arguments(params, table))
    destination = (
        count_table_sql(table)
        if table is not None
        else count_sql(sql=params.destination_sql, table_name=params.destination_table_name)
    )
    # source_table_name is quoted for the source's dialect when the task runs.
    source = (
        ""
        if params.source_table_name is not None
        else count_sql(sql=params.source_sql, count_sql_text=params.source_count_sql)
    )
    return CountCheckOperator(
        source_conn_id=ctx.host_conn_id(params.source_host),
        source_count_sql=source,
        source_table_name=params.source_table_name,
        destination_count_sql=destination,
        tolerance=params.tolerance,
        test_name=ctx.test_name(step),
        **ctx.qa_kwargs(step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def _count_check_arguments(params: CountCheckParams, table: Table | None) -> list[str]:
    """Dataduct's count-check program arguments (its SQL forms, docs/steps.md)."""
    destination = dataduct_count_sql(
        sql=params.destination_sql,
        table_name=table.full_name if table is not None else params.destination_table_name,
    )
    source = dataduct_count_sql(
        sql=params.source_sql,
        table_name=params.source_table_name,
        count_sql_text=params.source_count_sql,
    )
    return [
        f"--tolerance={params.tolerance}",
        f"--destination_sql={destination}",
        f"--source_sql={source}",
        f"--source_host={params.source_host}",
    ]
