"""Builders of ``extract-local``, ``extract-s3``, ``transform``, ``qa-transform`` and
``pipeline-dependencies``."""

from __future__ import annotations

import datetime as dt

from airflow.sdk import BaseOperator

from airflow_dataduct.builders.emr import output_uri
from airflow_dataduct.builders.registry import BuildContext
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps.emr import EMR_STEP_TYPES
from airflow_dataduct.model.steps.files import (
    ExtractLocalParams,
    ExtractS3Params,
    PipelineDependenciesParams,
    QATransformParams,
    TransformParams,
)
from airflow_dataduct.operators.dependencies import PipelineDependenciesSensor
from airflow_dataduct.operators.extract_files import ExtractLocalOperator, ExtractS3Operator
from airflow_dataduct.operators.transform import TransformOperator


def build_extract_local(
    ctx: BuildContext, step: StepSpec, params: ExtractLocalParams
) -> BaseOperator:
    return ExtractLocalOperator(
        path=str(ctx.config.base_dir / params.path),
        output_path=params.output_path,
        staging_prefix=ctx.staging_prefix(step.name),
        **ctx.staging_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_extract_s3(ctx: BuildContext, step: StepSpec, params: ExtractS3Params) -> BaseOperator:
    return ExtractS3Operator(
        uri=params.uri,
        staging_prefix=ctx.staging_prefix(step.name),
        **ctx.staging_kwargs(),
        **ctx.task_kwargs(step),
    )


def _program(ctx: BuildContext, params: TransformParams) -> dict[str, str | None]:
    base = ctx.config.base_dir
    return {
        "command": params.command,
        "script": str(base / params.script) if params.script else None,
        "script_uri": params.script_uri,
        "script_directory": str(base / params.script_directory)
        if params.script_directory
        else None,
        "script_name": params.script_name,
    }


def _input_location(ctx: BuildContext, source: str) -> str:
    """A staging prefix, or the ``s3://`` output of an EMR step (a plain prefix, no manifest)."""

    producer = ctx.pipeline.output_nodes.get(source)
    node = source if producer else None
    if ctx.pipeline.step(producer or source).step_type in EMR_STEP_TYPES:
        return output_uri(ctx, producer or source, node)
    return ctx.staging_prefix(source)


def build_transform(ctx: BuildContext, step: StepSpec, params: TransformParams) -> BaseOperator:
    inputs = [[i.subdir or "", _input_location(ctx, i.source)] for i in step.inputs]
    return TransformOperator(
        arguments=params.arguments(),
        inputs=inputs if params.takes_input else [],
        input_uri=params.input_path if params.takes_input else None,
        output_prefix=None if params.no_output else ctx.staging_prefix(step.name),
        output_nodes=params.output_nodes,
        output_path=params.output_path,
        **_program(ctx, params),
        **ctx.staging_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_qa_transform(
    ctx: BuildContext, step: StepSpec, params: QATransformParams
) -> BaseOperator:
    return qa_program_task(ctx, step, params.arguments(), **_program(ctx, params))


def qa_program_task(
    ctx: BuildContext, step: StepSpec, arguments: list[str], **program: str | None
) -> BaseOperator:
    """A qa-transform's task: the program gets ``--test_name=<pipeline>.<step>`` and, when a
    topic is set (the step's, else ``sns.warning_topic_arn``), ``--sns_topic_arn=<arn>``."""
    arguments = [*arguments, f"--test_name={ctx.test_name(step)}"]
    topic = getattr(step.params, "sns_topic_arn", None) or ctx.config.sns.warning_topic_arn
    if topic:
        arguments.append(f"--sns_topic_arn={topic}")
    return TransformOperator(
        arguments=arguments,
        **program,
        **ctx.staging_kwargs(),
        **ctx.task_kwargs(step),
    )


def build_pipeline_dependencies(
    ctx: BuildContext, step: StepSpec, params: PipelineDependenciesParams
) -> BaseOperator:
    prefix = ctx.config.defaults.name_prefix

    def dag_ids(names: list[str]) -> list[str]:
        return [f"{prefix}_{n}" if prefix else n for n in names]

    day = params.day
    extra = {"day": day if isinstance(day, str) else day.isoformat()} if day else {}
    flags = params.flags  # script_arguments: Dataduct's executor flags
    return PipelineDependenciesSensor(
        dependencies=dag_ids(params.pipelines),
        ok_to_fail=dag_ids(params.pipelines_ok_to_fail),
        poke_interval=params.poke_interval,
        timeout=dt.timedelta(seconds=params.timeout),
        sns_topic_arn=flags.sns_topic_arn or ctx.config.sns.failure_topic_arn,
        sns_conn_id=ctx.config.sns.aws_conn_id,
        pipeline_name=flags.pipeline_name or ctx.pipeline.dag_id,
        **extra,
        **ctx.task_kwargs(step),
    )
