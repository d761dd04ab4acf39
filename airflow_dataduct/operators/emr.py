"""Adding a step to the pipeline's EMR cluster, after uploading the local scripts it runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator


class DataductEmrAddStepsOperator(EmrAddStepsOperator):
    """``EmrAddStepsOperator`` that first uploads local files (``emr-streaming`` mappers and
    reducers) to S3, where the step reads them: Dataduct uploaded them at activation.

    Plus the arguments of ``EmrAddStepsOperator`` (``job_flow_id``, ``steps``,
    ``aws_conn_id``, ...); its ``aws_conn_id`` also does the uploads.

    :param uploads: ``[local path, s3:// URI]`` pairs, each file uploaded (replacing any
        object there) before the steps are added; templated (the URIs name the run). Default
        none.
    """

    template_fields: Sequence[str] = (*EmrAddStepsOperator.template_fields, "uploads")
    ui_color = "#f9c915"

    def __init__(self, *, uploads: Sequence[Sequence[str]] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.uploads = [list(pair) for pair in uploads]
        """``[local path, s3 URI]`` pairs (the URIs are templated per run)."""

    def execute(self, context: Any) -> list[str]:
        if self.uploads:
            # deferred: start-up time
            from airflow.providers.amazon.aws.hooks.s3 import S3Hook

            hook = S3Hook(aws_conn_id=self.aws_conn_id)
            for local, uri in self.uploads:
                bucket, _, key = uri.removeprefix("s3://").partition("/")
                hook.load_file(local, key, bucket, replace=True)
                self.log.info("Uploaded %s to %s", local, uri)
        return super().execute(context)
