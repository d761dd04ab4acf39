"""Builders of the QA step family: ``column-check``."""

from __future__ import annotations

from airflow.sdk import BaseOperator

from airflow_dataduct.builders.registry import BuildContext, register
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps_qa import ColumnCheckParams
from airflow_dataduct.operators.column_check import ColumnCheckOperator
from airflow_dataduct.sql.column_check import keyed_destination_sql, source_sample_sql


@register("column-check")
def build_column_check(ctx: BuildContext, step: StepSpec) -> BaseOperator:
    params = step.params
    assert isinstance(params, ColumnCheckParams)
    table = step.tables.get("destination_table_definition")
    return ColumnCheckOperator(
        source_conn_id=ctx.host_conn_id(params.source_host),
        source_sample_sql=source_sample_sql(
            params.source_sql, params.sql_tail_for_source, params.sample_size
        ),
        destination_table=table,
        destination_sql=(
            keyed_destination_sql(params.destination_sql, params.destination_key_count)
            if params.destination_sql is not None and table is None
            else None
        ),
        destination_key_count=params.destination_key_count if table is None else None,
        tolerance=params.tolerance,
        test_name=ctx.test_name(step),
        **ctx.warehouse_kwargs(),
        **ctx.task_kwargs(step),
        **ctx.qa_kwargs(step),
    )
