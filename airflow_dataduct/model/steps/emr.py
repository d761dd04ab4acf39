"""EMR step types: ``aegisthus``, ``scalding``, ``emr-streaming`` (docs/steps.md), ``emr-step``
(docs/emr.md). Each runs as one step on the pipeline's shared EMR cluster."""

from __future__ import annotations

import re
from typing import Annotated, ClassVar

from pydantic import Field, field_validator

from airflow_dataduct.model.dp_expressions import translate
from airflow_dataduct.model.steps.base import NameList, NonEmpty, StepParams

EMR_STEP_TYPES = frozenset({"aegisthus", "scalding", "emr-streaming", "emr-step"})
_STEP_STRING_SPLIT = re.compile(r"(?<!\\),")
NodeName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$", max_length=200)]


def split_step_string(text: str) -> list[str]:
    """Dataduct's raw EMR step: ``jar,arg,...``; a comma after backslashes is part of the
    argument (Dataduct needed ``\\\\\\\\,`` for Data Pipeline's own escaping)."""
    parts = _STEP_STRING_SPLIT.split(text)
    return [re.sub(r"\\+,", ",", p).strip() for p in parts]


class AegisthusParams(StepParams):
    """``aegisthus``: a Cassandra table's backup (its SSTables) to JSON rows with Aegisthus."""

    cql_schema_definition: NonEmpty
    """A ``.cql`` file with the table's ``CREATE TABLE``; its keyspace and table locate the
    backup."""

    cql_keys: ClassVar[tuple[str, ...]] = ("cql_schema_definition",)


class ScaldingParams(StepParams):
    """``scalding``: ``hadoop jar <scalding_jar> com.twitter.scalding.Tool <job_name> --hdfs``."""

    job_name: Annotated[str, Field(pattern=r"^[A-Za-z_][\w.$]*$")]
    output_node: list[NodeName] = []
    """Each name becomes an S3 prefix, passed as ``--output-<name>``; later steps read it with
    ``input_node: <name>`` (docs/pipelines.md)."""
    script_arguments: NameList = []
    """Extra job arguments, appended as given (DP expressions and Jinja are rendered)."""

    @field_validator("output_node", mode="before")
    @classmethod
    def _one_name(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("output_node")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("output_node: names must be unique")
        return value

    @field_validator("script_arguments")
    @classmethod
    def _dp_expressions(cls, value: list[str]) -> list[str]:
        for item in value:
            translate(item)
        return value

    @property
    def output_nodes(self) -> tuple[str, ...]:
        return tuple(self.output_node)


class EmrStreamingParams(StepParams):
    """``emr-streaming``: a Hadoop streaming job (Hadoop 2 ``-files`` form)."""

    mapper: NonEmpty
    reducer: NonEmpty | None = None
    hadoop_params: NameList = []

    script_keys: ClassVar[tuple[str, ...]] = ("mapper", "reducer")


class EmrJobParams(StepParams):
    """``emr-step``: Dataduct's raw step string, ``<jar>,<arg>,<arg>...``."""

    step_string: NonEmpty

    @field_validator("step_string")
    @classmethod
    def _has_jar(cls, value: str) -> str:
        if not split_step_string(value)[0]:
            raise ValueError("step_string must start with the step's jar")
        translate(value)
        return value


STEP_MODELS: dict[str, type[StepParams]] = {
    "aegisthus": AegisthusParams,
    "scalding": ScaldingParams,
    "emr-streaming": EmrStreamingParams,
    "emr-step": EmrJobParams,
}
