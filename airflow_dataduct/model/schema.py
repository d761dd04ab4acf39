"""JSON Schemas (draft 2020-12) of a pipeline file and of ``dataduct.yaml``, for editors.

Generated from the pydantic models that validate the files, so they cannot drift apart: a
pipeline's steps are a union discriminated by ``step_type``, each key carries its description
(the attribute docstring in the model) and its allowed values. The schemas check the shape of
a file; what needs other files (table definitions, host aliases) is left to ``validate``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import textwrap
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, create_model
from pydantic.json_schema import GenerateJsonSchema

from airflow_dataduct.model.config import DataductConfig
from airflow_dataduct.model.pipeline import PipelineKeys
from airflow_dataduct.model.schedule import FREQUENCIES
from airflow_dataduct.model.steps import emr, files, qa, sql
from airflow_dataduct.model.steps.base import StepParams

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def builtin_step_models() -> dict[str, type[StepParams]]:
    """Every built-in step type's model (never the custom ones registered at run time)."""
    return {**sql.STEP_MODELS, **qa.STEP_MODELS, **emr.STEP_MODELS, **files.STEP_MODELS}


@functools.cache
def _own_attribute_docs(cls: type) -> dict[str, str]:
    """``{field: docstring}`` of the attributes ``cls`` itself declares (PEP 257 style)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for statement, following in itertools.pairwise(body):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


def attribute_docs(model: type[BaseModel]) -> dict[str, str]:
    """Docstrings of every field of ``model``, by the key the YAML spells (its alias)."""
    docs: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if isinstance(cls, type) and issubclass(cls, BaseModel):
            docs.update(_own_attribute_docs(cls))
    fields = model.model_fields
    return {(fields[n].alias or n): d for n, d in docs.items() if n in fields}


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, plus each field's attribute docstring as its description."""

    def model_schema(self, schema: Any) -> Any:
        json_schema = super().model_schema(schema)
        properties = json_schema.get("properties", {})
        for key, doc in attribute_docs(schema["cls"]).items():
            if key in properties and "description" not in properties[key]:
                properties[key]["description"] = doc
        return json_schema


def _step_union(models: dict[str, type[StepParams]]) -> Any:
    """The steps as a union discriminated by ``step_type``."""
    variants = [
        create_model(  # the model with step_type fixed to its one value
            f"Step_{name.replace('-', '_')}",
            __base__=model,
            __doc__=inspect.cleandoc(model.__doc__ or name),
            step_type=(Literal[name], Field(description=f"Always '{name}'.")),
        )
        for name, model in sorted(models.items())
    ]
    return Annotated[Union[tuple(variants)], Field(discriminator="step_type")]  # noqa: UP007


def _finish(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {"$schema": DRAFT, "title": title, **{k: v for k, v in schema.items() if k != "title"}}


def pipeline_schema(models: dict[str, type[StepParams]] | None = None) -> dict[str, Any]:
    """The JSON Schema of a pipeline file, its steps by ``models`` (default: the built-ins)."""
    step = _step_union(models if models is not None else builtin_step_models())
    file_model = create_model(
        "PipelineFile",
        __base__=PipelineKeys,
        __doc__="A Dataduct pipeline: one Airflow DAG.",
        frequency=(
            Literal[tuple(FREQUENCIES)],
            Field("one-time", description="How often the pipeline runs (UTC)."),
        ),
        steps=(list[step], Field(description="The steps, in order (at least one).")),
        bootstrap=(
            dict[Literal["ec2", "emr"], list[step]] | None,
            Field(None, description="Steps run before every other step (setup tasks)."),
        ),
        teardown=(step | None, Field(None, description="A step run after every other step.")),
        variables=(Any, Field(None, description="Ignored: a place for YAML anchors.")),
    )
    schema = file_model.model_json_schema(schema_generator=_Generator)
    return _finish(schema, "Dataduct pipeline (airflow-dataduct)")


def config_schema() -> dict[str, Any]:
    """The JSON Schema of ``dataduct.yaml``."""
    schema = DataductConfig.model_json_schema(schema_generator=_Generator)
    return _finish(schema, "dataduct.yaml (airflow-dataduct)")
