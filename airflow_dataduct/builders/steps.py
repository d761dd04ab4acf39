"""Builders of the built-in step types."""

from __future__ import annotations

from airflow.sdk import BaseOperator

from airflow_dataduct.builders.emr import emr_input_kwargs
from airflow_dataduct.builders.registry import BuildContext, register
from airflow_dataduct.builders.sql import upsert_task
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps import (
    CountCheckParams,
    CreateLoadRedshiftParams,
    ExtractRdsParams,
    PrimaryKeyCheckParams,
)
from airflow_dataduct.operators import (
    CountCheckOperator,
    CreateLoadRedshiftOperator,
    ExtractRdsOperator,
    PrimaryKeyCheckOperator,
)
from airflow_dataduct.sql.checks import count_sql, count_table_sql


@register("extract-rds")
def build_extract_rds(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    params = step.params
    assert isinstance(params, ExtractRdsParams)
    return ExtractRdsOperator(
        sql=params.sql or "",
        table=params.table,
        source_conn_id=ctx.host_conn_id(params.host_name),
        database=params.database,
        output_path=params.output_path,
        staging_prefix=ctx.staging_prefix(step.name),
        part_size=ctx.config.staging.part_size_mb << 20,
        **ctx.staging_kwargs(),
        **ctx.task_kwargs(step),
    )


@register("create-load-redshift")
def build_create_load(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    assert isinstance(step.params, CreateLoadRedshiftParams)
    assert step.input_step is not None, "validated: create-load-redshift has an input"
    source = emr_input_kwargs(ctx, step) or {
        "staging_prefix": ctx.staging_prefix(step.input_step),
        "remove_staged": removes_staged_input(ctx, step),
        **ctx.staging_kwargs(),
    }
    return CreateLoadRedshiftOperator(
        table=step.tables["table_definition"],
        iam_role=ctx.config.warehouse.iam_role,
        **source,
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


def removes_staged_input(ctx: BuildContext, step: StepSpec) -> bool:
    """Whether ``step`` deletes its staged input after loading: not when ``staging.retain`` is
    set, nor when another step of the pipeline reads the same input."""
    readers = [
        s
        for s in ctx.pipeline.steps
        if s.input_step == step.input_step or any(i.source == step.input_step for i in s.inputs)
    ]
    return not ctx.config.staging.retain and len(readers) == 1


@register("upsert")
def build_upsert(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    """Dataduct's upsert; reload and delta-load share it (airflow_dataduct.builders.sql)."""
    return upsert_task(ctx, step)


@register("primary-key-check")
def build_primary_key_check(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    assert isinstance(step.params, PrimaryKeyCheckParams)
    return PrimaryKeyCheckOperator(
        table=step.tables["table_definition"],
        test_name=ctx.test_name(step),
        **ctx.qa_kwargs(step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


@register("count-check")
def build_count_check(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    params = step.params
    assert isinstance(params, CountCheckParams)
    table = step.tables.get("destination_table_definition")
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
