"""Value types shared by the definitions and the runtime: one place for each constraint."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

ConnId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]+$", max_length=250)]
"""An Airflow connection id."""
IamRoleArn = Annotated[str, Field(pattern=r"^arn:aws[a-z\-]*:iam::\d{12}:role/[\w+=,.@/\-]+$")]
"""An IAM role that Redshift assumes for COPY and UNLOAD."""
SnsArn = Annotated[str, Field(pattern=r"^arn:aws[a-z\-]*:sns:[a-z0-9\-]+:\d{12}:[A-Za-z0-9_\-]+$")]
"""An SNS topic's ARN."""

MAX_SPLITS = 256
"""Most ``splits`` an extract takes: each split keeps a gzip stream (~0.3 MiB) and a scratch
file open while the extract runs, so this bounds memory (~80 MiB) and file descriptors."""
