"""The registry from ``step_type`` to its :class:`StepBuilder`: parameter model and builder.

Every built-in step type is listed here; custom step types are added when a definitions folder
is opened (:mod:`airflow_dataduct.factory.custom_steps`).
"""

from __future__ import annotations

from airflow_dataduct.builders import emr, files, qa, sql, steps
from airflow_dataduct.builders.registry import BuildContext, StepBuilder
from airflow_dataduct.model.steps import emr as emr_steps
from airflow_dataduct.model.steps import files as file_steps
from airflow_dataduct.model.steps import qa as qa_steps
from airflow_dataduct.model.steps import sql as sql_steps

BUILDERS: dict[str, StepBuilder] = {
    "extract-rds": StepBuilder(sql_steps.ExtractRdsParams, steps.build_extract_rds),
    "extract-redshift": StepBuilder(sql_steps.ExtractRedshiftParams, sql.build_extract_redshift),
    "extract-postgres": StepBuilder(sql_steps.ExtractPostgresParams, sql.build_extract_postgres),
    "extract-local": StepBuilder(file_steps.ExtractLocalParams, files.build_extract_local),
    "extract-s3": StepBuilder(file_steps.ExtractS3Params, files.build_extract_s3),
    "create-load-redshift": StepBuilder(
        sql_steps.CreateLoadRedshiftParams, steps.build_create_load
    ),
    "load-redshift": StepBuilder(sql_steps.LoadRedshiftParams, sql.build_load_redshift),
    "load-postgres": StepBuilder(sql_steps.LoadPostgresParams, sql.build_load_postgres),
    "load-reload-pk": StepBuilder(sql_steps.LoadReloadPkParams, sql.build_load_reload_pk),
    "upsert": StepBuilder(sql_steps.UpsertParams, steps.build_upsert),
    "reload": StepBuilder(sql_steps.ReloadParams, steps.build_upsert),
    "delta-load": StepBuilder(sql_steps.DeltaLoadParams, steps.build_upsert),
    "create-update-sql": StepBuilder(sql_steps.CreateUpdateSqlParams, sql.build_create_update_sql),
    "sql-command": StepBuilder(sql_steps.SqlCommandParams, sql.build_sql_command),
    "transform": StepBuilder(file_steps.TransformParams, files.build_transform),
    "qa-transform": StepBuilder(file_steps.QATransformParams, files.build_qa_transform),
    "primary-key-check": StepBuilder(qa_steps.PrimaryKeyCheckParams, steps.build_primary_key_check),
    "count-check": StepBuilder(qa_steps.CountCheckParams, steps.build_count_check),
    "column-check": StepBuilder(qa_steps.ColumnCheckParams, qa.build_column_check),
    "pipeline-dependencies": StepBuilder(
        file_steps.PipelineDependenciesParams, files.build_pipeline_dependencies
    ),
    "aegisthus": StepBuilder(emr_steps.AegisthusParams, emr.build_aegisthus),
    "scalding": StepBuilder(emr_steps.ScaldingParams, emr.build_scalding),
    "emr-streaming": StepBuilder(emr_steps.EmrStreamingParams, emr.build_emr_streaming),
    "emr-step": StepBuilder(emr_steps.EmrJobParams, emr.build_emr_step),
}

__all__ = ["BUILDERS", "BuildContext", "StepBuilder"]
