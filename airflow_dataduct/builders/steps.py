"""Builders of the built-in step types."""

from __future__ import annotations

from airflow.sdk import BaseOperator

from airflow_dataduct.builders.registry import BuildContext, register
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps import (
    CountCheckParams,
    CreateLoadRedshiftParams,
    ExtractRdsParams,
    PrimaryKeyCheckParams,
    UpsertParams,
)
from airflow_dataduct.operators import (
    CountCheckOperator,
    CreateLoadRedshiftOperator,
    ExtractRdsOperator,
    PrimaryKeyCheckOperator,
    UpsertOperator,
)
from airflow_dataduct.sql.checks import count_sql, count_table_sql
from airflow_dataduct.sql.identifiers import quote_qualified
from airflow_dataduct.sql.upsert import UpsertOptions


@register("extract-rds")
def build_extract_rds(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    params = step.params
    assert isinstance(params, ExtractRdsParams)
    sql = params.sql or f"SELECT * FROM {quote_qualified(params.table or '')}"
    return ExtractRdsOperator(
        sql=sql,
        source_conn_id=ctx.host_conn_id(params.host_name),
        database=params.database,
        staging_prefix=ctx.staging_prefix(step.name),
        part_size=ctx.config.staging.part_size_mb << 20,
        **ctx.staging_kwargs(),
        **ctx.task_kwargs(step),
    )


@register("create-load-redshift")
def build_create_load(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    assert isinstance(step.params, CreateLoadRedshiftParams)
    assert step.input_step is not None, "validated: create-load-redshift has an input"
    return CreateLoadRedshiftOperator(
        table=step.tables["table_definition"],
        staging_prefix=ctx.staging_prefix(step.input_step),
        **ctx.staging_kwargs(),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


@register("upsert")
def build_upsert(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    params = step.params
    assert isinstance(params, UpsertParams)
    options = UpsertOptions(
        enforce_primary_key=params.enforce_primary_key,
        delete_existing=params.delete_existing,
        filter_clause=params.filter_clause,
    )
    return UpsertOperator(
        source=step.tables["source"],
        destination=step.tables["destination"],
        options=options,
        analyze_table=params.analyze_table,
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )


@register("primary-key-check")
def build_primary_key_check(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    assert isinstance(step.params, PrimaryKeyCheckParams)
    return PrimaryKeyCheckOperator(
        table=step.tables["table_definition"],
        test_name=ctx.test_name(step),
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
    source = count_sql(
        sql=params.source_sql,
        table_name=params.source_table_name,
        count_sql_text=params.source_count_sql,
    )
    return CountCheckOperator(
        source_conn_id=ctx.host_conn_id(params.source_host),
        source_count_sql=source,
        destination_count_sql=destination,
        tolerance=params.tolerance,
        test_name=ctx.test_name(step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
    )
