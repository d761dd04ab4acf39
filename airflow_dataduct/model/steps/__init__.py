"""Step types: Dataduct's catalogue, and the parameter model of each step type.

Both registries are explicit: :data:`STEP_KINDS` names every Dataduct step type and how it
chains; :data:`STEP_MODELS` maps each to its parameter model, family by family. Custom step
types are added by :func:`airflow_dataduct.factory.custom_steps.register_custom_steps`.
"""

from __future__ import annotations

from airflow_dataduct.model.steps import emr, files, qa, sql
from airflow_dataduct.model.steps.base import StepKind, StepParams

_TRANSFORM = ("TransformStep",)
_QA = ("QATransformStep", "TransformStep")
_UPSERT = ("UpsertStep", "CreateUpdateSqlStep", "TransformStep")

STEP_KINDS: dict[str, StepKind] = {
    "extract-local": StepKind("ExtractLocalStep", drops_input=True),
    "extract-s3": StepKind("ExtractS3Step", drops_input=True),
    "extract-rds": StepKind("ExtractRdsStep", drops_input=True),
    "extract-redshift": StepKind("ExtractRedshiftStep", drops_input=True),
    "extract-postgres": StepKind("ExtractPostgresStep", drops_input=True),
    "load-redshift": StepKind("LoadRedshiftStep", outputs_data=False, needs_input=True),
    "load-postgres": StepKind("LoadPostgresStep", outputs_data=False, needs_input=True),
    "create-load-redshift": StepKind("CreateAndLoadStep", _TRANSFORM, needs_input=True),
    "create-update-sql": StepKind("CreateUpdateSqlStep", _TRANSFORM),
    "upsert": StepKind("UpsertStep", ("CreateUpdateSqlStep", "TransformStep")),
    "reload": StepKind("ReloadStep", _UPSERT),
    "delta-load": StepKind("DeltaLoadStep", _UPSERT),
    "load-reload-pk": StepKind("LoadReloadAndPrimaryKeyStep", outputs_data=False, needs_input=True),
    "sql-command": StepKind("SqlCommandStep", outputs_data=False, drops_input=True),
    "transform": StepKind("TransformStep"),
    "qa-transform": StepKind("QATransformStep", _TRANSFORM, drops_input=True),
    "primary-key-check": StepKind("PrimaryKeyCheckStep", _QA, drops_input=True),
    "count-check": StepKind("CountCheckStep", _QA, drops_input=True),
    "column-check": StepKind("ColumnCheckStep", _QA, drops_input=True),
    "pipeline-dependencies": StepKind(
        "PipelineDependenciesStep", _TRANSFORM, outputs_data=False, drops_input=True
    ),
    "emr-streaming": StepKind("EMRStreamingStep", needs_input=True),
    "emr-step": StepKind("EMRJobStep", outputs_data=False),
    "aegisthus": StepKind("AegisthusStep"),
    "scalding": StepKind("ScaldingStep"),
}


STEP_MODELS: dict[str, type[StepParams]] = {
    **sql.STEP_MODELS,
    **qa.STEP_MODELS,
    **emr.STEP_MODELS,
    **files.STEP_MODELS,
}
"""Every built-in step type's parameter model."""
