"""Builders of the EMR steps, the pipeline's shared cluster, and loads of EMR outputs.

Each EMR step is a task group ``<step>`` of ``add_step`` (EmrAddStepsOperator) and
``watch_step`` (EmrStepSensor). One cluster per run: ``create_emr_cluster`` is a setup task
before the EMR steps and ``terminate_emr_cluster`` its teardown after them, so the cluster is
terminated whether the steps pass or fail, and the run still fails when a step failed.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any

from airflow.sdk import TaskGroup

from airflow_dataduct.builders.registry import STAGING_RUN, BuildContext
from airflow_dataduct.model.config import EmrConfig
from airflow_dataduct.model.dp_expressions import translate
from airflow_dataduct.model.emr_pipeline import CLUSTER_TASKS
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.model.steps.emr import (
    EMR_STEP_TYPES,
    AegisthusParams,
    EmrJobParams,
    EmrStreamingParams,
    ScaldingParams,
    split_step_string,
)

CREATE_CLUSTER, TERMINATE_CLUSTER = CLUSTER_TASKS
JOB_FLOW_ID = f"{{{{ ti.xcom_pull(task_ids='{CREATE_CLUSTER}') }}}}"
SCALDING_TOOL = "com.twitter.scalding.Tool"
STREAMING_JAR = "command-runner.jar"
"""EMR 4+ runs Hadoop streaming as ``command-runner.jar hadoop-streaming ...``."""


def emr_defaults(ctx: BuildContext) -> EmrConfig:
    return ctx.config.emr or EmrConfig()


def output_prefix(ctx: BuildContext, step_name: str, node: str | None = None) -> str:
    """The run-scoped prefix of an EMR step's output (or of one of its output nodes),
    relative to the EMR output location."""
    prefix = f"{ctx.pipeline.dag_id}/{STAGING_RUN}/{step_name}"
    return f"{prefix}/{node}" if node else prefix


def output_uri(ctx: BuildContext, step_name: str, node: str | None = None) -> str:
    """The S3 URI (with a trailing ``/``) a Hadoop job writes its output to."""
    return f"{ctx.config.emr_output_location()}/{output_prefix(ctx, step_name, node)}/"


def _producer(ctx: BuildContext, source: str) -> tuple[str, str | None]:
    """The step writing ``source`` (a step name or an output node), and the node name."""
    producer = ctx.pipeline.output_nodes.get(source)
    return (producer, source) if producer else (source, None)


def input_uri(ctx: BuildContext, step: StepSpec) -> str | None:
    """Where an EMR step reads its input: an EMR output, or another step's staged data."""
    if step.input_step is None:
        return step.params.input_path
    producer, node = _producer(ctx, step.input_step)
    if ctx.pipeline.step(producer).step_type in EMR_STEP_TYPES:
        return output_uri(ctx, producer, node)
    return f"{ctx.config.staging_location()}/{ctx.staging_prefix(step.input_step)}/"


def _group(
    ctx: BuildContext,
    step: StepSpec,
    hadoop_step: dict[str, Any],
    uploads: Sequence[Sequence[str]] = (),
) -> TaskGroup:
    """The ``add_step`` + ``watch_step`` task group of one EMR step."""
    cluster = ctx.pipeline.emr_cluster
    assert cluster is not None, "validated: a pipeline with EMR steps has a cluster"
    # deferred: parse time
    from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

    from airflow_dataduct.operators.emr import DataductEmrAddStepsOperator  # deferred: parse time

    common = ctx.task_kwargs(step)
    common.pop("task_id")
    with TaskGroup(group_id=step.name, tooltip=f"{step.step_type} step on EMR") as group:
        add = DataductEmrAddStepsOperator(
            task_id="add_step",
            job_flow_id=JOB_FLOW_ID,
            steps=[{"Name": step.name, "ActionOnFailure": "CONTINUE", **hadoop_step}],
            uploads=uploads,
            aws_conn_id=cluster.aws_conn_id,
            **common,
        )
        watch = EmrStepSensor(
            task_id="watch_step",
            job_flow_id=JOB_FLOW_ID,
            step_id=f"{{{{ ti.xcom_pull(task_ids='{add.task_id}')[0] }}}}",
            aws_conn_id=cluster.aws_conn_id,
            poke_interval=cluster.poke_interval,
            timeout=cluster.idle_timeout_seconds,
            **_sensor_mode(cluster.sensor_mode),
            **common,
        )
        add >> watch
    return group


def build_aegisthus(ctx: BuildContext, step: StepSpec, params: AegisthusParams) -> TaskGroup:
    """Aegisthus over the table's Cassandra backup for the run's date; JSON rows out."""
    emr = emr_defaults(ctx)
    assert emr.aegisthus_jar and emr.cassandra_backup_location, "validated"
    table = step.cql_tables["cql_schema_definition"]
    backup = emr.cassandra_backup_location.replace("{keyspace}", table.keyspace)
    backup = backup.replace("{table}", table.name)
    args = ["-D", f"aegisthus.cql_schema={table.schema_sql()}"]
    args += ["-inputDir", backup, "-output", output_uri(ctx, step.name)]
    jar_step = {"Jar": emr.aegisthus_jar, "MainClass": emr.aegisthus_main_class, "Args": args}
    return _group(ctx, step, {"HadoopJarStep": jar_step})


def build_scalding(ctx: BuildContext, step: StepSpec, params: ScaldingParams) -> TaskGroup:
    """``hadoop jar <jar> com.twitter.scalding.Tool <job> --hdfs --input ... --output...``."""
    emr = emr_defaults(ctx)
    assert emr.scalding_jar, "validated"
    args = [params.job_name, "--hdfs", "--date", "{{ ds }}"]
    source = input_uri(ctx, step)
    if source:
        args += ["--input", source]
    if params.output_node:
        for node in params.output_node:
            args += [f"--output-{node}", output_uri(ctx, step.name, node)]
    else:
        args += ["--output", output_uri(ctx, step.name)]
    args += [translate(a) for a in params.script_arguments]
    jar_step = {"Jar": emr.scalding_jar, "MainClass": SCALDING_TOOL, "Args": args}
    return _group(ctx, step, {"HadoopJarStep": jar_step})


def _script_uri(ctx: BuildContext, step: StepSpec, path: str) -> tuple[str, list[str] | None]:
    """The S3 URI of a mapper/reducer; a local file is uploaded there by ``add_step``."""
    if path.startswith("s3://"):
        return path, None
    uri = (
        f"{ctx.config.emr_output_location()}/{ctx.pipeline.dag_id}/{STAGING_RUN}/_src/"
        f"{step.name}/{posixpath.basename(path)}"
    )
    return uri, [str(ctx.config.resource(path)), uri]


def build_emr_streaming(ctx: BuildContext, step: StepSpec, params: EmrStreamingParams) -> TaskGroup:
    """Hadoop streaming in Dataduct's Hadoop 2 form (docs/steps.md)."""
    scripts = [params.mapper, *([params.reducer] if params.reducer else [])]
    located = [_script_uri(ctx, step, s) for s in scripts]
    args = ["hadoop-streaming", *params.hadoop_params]
    args += ["-files", ",".join(uri for uri, _ in located)]
    args += ["-output", output_uri(ctx, step.name), "-input", input_uri(ctx, step) or ""]
    args += ["-mapper", posixpath.basename(params.mapper)]
    if params.reducer:
        args += ["-reducer", posixpath.basename(params.reducer)]
    uploads = [pair for _, pair in located if pair]
    jar_step = {"Jar": STREAMING_JAR, "Args": args}
    return _group(ctx, step, {"HadoopJarStep": jar_step}, uploads)


def build_emr_step(ctx: BuildContext, step: StepSpec, params: EmrJobParams) -> TaskGroup:
    """Dataduct's raw step string: the jar, then its arguments."""
    jar, *args = split_step_string(translate(params.step_string))
    return _group(ctx, step, {"HadoopJarStep": {"Jar": jar, "Args": args}})


def add_emr_cluster(ctx: BuildContext, tasks: dict[str, Any]) -> None:
    """The run's cluster: created before the EMR steps, terminated after them (teardown)."""
    cluster = ctx.pipeline.emr_cluster
    emr_steps = [s for s in ctx.pipeline.steps if s.step_type in EMR_STEP_TYPES]
    if cluster is None or not emr_steps:
        return
    # deferred: parse time
    from airflow.providers.amazon.aws.operators.emr import (
        EmrCreateJobFlowOperator,
        EmrTerminateJobFlowOperator,
    )

    dag_id = ctx.pipeline.dag_id
    tags = {"dataduct:pipeline": dag_id, "dataduct:run_id": "{{ run_id }}"}
    create = EmrCreateJobFlowOperator(
        task_id=CREATE_CLUSTER,
        job_flow_overrides=cluster.job_flow_request(f"dataduct {dag_id} {{{{ ds }}}}", tags),
        aws_conn_id=cluster.aws_conn_id,
        emr_conn_id=None,
    )
    terminate = EmrTerminateJobFlowOperator(
        task_id=TERMINATE_CLUSTER, job_flow_id=JOB_FLOW_ID, aws_conn_id=cluster.aws_conn_id
    )
    for step in emr_steps:
        create >> tasks[step.name] >> terminate
    terminate.as_teardown(setups=create)


def _sensor_mode(mode: str) -> dict[str, Any]:
    """EmrStepSensor's arguments for ``emr.step_sensor_mode``."""
    return {"deferrable": True} if mode == "deferrable" else {"mode": mode}


def emr_input_kwargs(ctx: BuildContext, step: StepSpec) -> dict[str, Any] | None:
    """Where a load reads an EMR step's output (the job's part files, kept after loading), or
    None when its input is not an EMR step."""
    if step.input_step is None:
        return None
    producer, node = _producer(ctx, step.input_step)
    if ctx.pipeline.step(producer).step_type not in EMR_STEP_TYPES:
        return None
    return {
        "staging_location": ctx.config.emr_output_location() or "",
        "staging_prefix": output_prefix(ctx, producer, node),
        "aws_conn_id": emr_defaults(ctx).aws_conn_id,
        "input_layout": "hadoop",
    }
