"""Where a load step's operator reads its input: an extract's staged output, an EMR job's
output, or the step's own ``input_path`` (see airflow_dataduct.operators.staged_input)."""

from __future__ import annotations

from typing import Any

from airflow_dataduct.builders.emr import emr_input_kwargs
from airflow_dataduct.builders.registry import BuildContext
from airflow_dataduct.model.load_runner import LoadRunnerFlags
from airflow_dataduct.model.pipeline import StepSpec
from airflow_dataduct.sql.copy import CopyOptions


def staged_input_kwargs(ctx: BuildContext, step: StepSpec) -> dict[str, Any]:
    """The StagedInputMixin arguments of ``step``'s load."""
    emr = emr_input_kwargs(ctx, step)
    if emr is not None:
        return emr
    if step.input_step is None:
        assert step.params.input_path is not None, f"validated: {step.name} has an input"
        return {
            "staging_prefix": ctx.staging_prefix(step.name),
            "input_layout": "listing",
            "input_uri": step.params.input_path,
            "remove_staged": not ctx.config.staging.retain,  # only the load's own files
            **restage_kwargs(ctx, step),
            **ctx.staging_kwargs(),
        }
    return {
        "staging_prefix": ctx.staging_prefix(step.input_step),
        "remove_staged": removes_staged_input(ctx, step),
        **restage_kwargs(ctx, step),
        **ctx.staging_kwargs(),
    }


def restage_kwargs(ctx: BuildContext, step: StepSpec) -> dict[str, Any]:
    """Where a Redshift load re-stages Dataduct TSV input: the step's own staging folder, in
    parts of ``staging.part_size_mb``, removed after the load unless ``staging.retain``."""
    return {
        "restage_prefix": ctx.staging_prefix(step.name),
        "remove_restaged": not ctx.config.staging.retain,
        "part_size": ctx.config.staging.part_size_mb << 20,
    }


def removes_staged_input(ctx: BuildContext, step: StepSpec) -> bool:
    """Whether ``step`` deletes its staged input after loading: not when ``staging.retain`` is
    set, nor when another step of the pipeline reads the same input."""
    readers = [
        s
        for s in ctx.pipeline.steps
        if s.input_step == step.input_step or any(i.source == step.input_step for i in s.inputs)
    ]
    return not ctx.config.staging.retain and len(readers) == 1


def load_runner_kwargs(flags: LoadRunnerFlags) -> dict[str, Any]:
    """The load operator's arguments for Dataduct's load runner flags."""
    options = None
    if flags != LoadRunnerFlags(force_drop_table=flags.force_drop_table):
        options = CopyOptions(
            max_errors=flags.max_error,
            replace_invalid_char=flags.replace_invalid_char,
            escape=not flags.no_escape,
            command_options=flags.command_options,
        )
    return {"copy_options": options, "recreate_table": flags.force_drop_table}
