"""Builders of the QA step family: ``column-check``, and the task of any QA check whose
``command``/``script`` replaces the built-in check."""

from __future__ import annotations

from airflow.sdk import BaseOperator

from airflow_dataduct.builders.files import qa_program_task
from airflow_dataduct.builders.registry import BuildContext
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps.base import QaLogParams
from airflow_dataduct.model.steps.qa import ColumnCheckParams
from airflow_dataduct.operators.column_check import ColumnCheckOperator
from airflow_dataduct.sql.column_check import (
    dataduct_destination_sql,
    dataduct_source_sql,
    keyed_destination_sql,
    select_item_count,
    source_sample_sql,
)
from airflow_dataduct.sql.text import strip_statement
from airflow_dataduct.tables.model import Table


def build_column_check(
    ctx: BuildContext, step: StepSpec, params: ColumnCheckParams
) -> BaseOperator:
    table = step.tables.get("destination_table_definition")
    if params.program is not None:
        return check_program_task(ctx, step, params, _column_check_arguments(params, table))
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


def check_program_task(
    ctx: BuildContext, step: StepSpec, params: QaLogParams, check_arguments: list[str]
) -> BaseOperator:
    """A QA check run by the step's ``command``/``script`` instead of the built-in check, as
    Dataduct ran it: a qa-transform whose program gets the step's ``script_arguments``, the
    check's own arguments, ``--log_to_s3`` when set, then ``--test_name`` (and
    ``--sns_topic_arn``). The program's exit code decides."""
    assert params.program is not None, "called for a check run by its program"
    arguments = [*params.script_arguments, *check_arguments]
    if params.log_to_s3:
        arguments.append("--log_to_s3")
    script = str(ctx.config.base_dir / params.script) if params.script else None
    return qa_program_task(ctx, step, arguments, command=params.command, script=script)


def _column_check_arguments(params: ColumnCheckParams, table: Table | None) -> list[str]:
    """Dataduct's column-check program arguments (its SQL forms, docs/steps.md)."""
    if table is not None:
        destination = dataduct_destination_sql(table)
        keys = [i for i, c in enumerate(table.columns) if c.name in table.primary_key]
    else:
        assert params.destination_sql is not None, "validated: one destination"
        destination = strip_statement(params.destination_sql)
        keys = list(range(select_item_count(destination) - 1))
    source = dataduct_source_sql(params.source_sql, keys, params.sql_tail_for_source)
    return [
        f"--sample_size={params.sample_size}",
        f"--tolerance={params.tolerance}",
        f"--destination_sql={destination}",
        f"--source_sql={source}",
        f"--source_host={params.source_host}",
    ]
