"""Turn pydantic validation errors into DefinitionErrors that name the file, line and key."""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from airflow_dataduct.errors import DefinitionError
from airflow_dataduct.model.yaml_source import PathKey, SourceMap

_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}


def suggest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string."""
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def _field_names(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``loc`` (the parent mapping of an unknown key)."""
    current: Any = model
    for part in loc:
        field = getattr(current, "model_fields", {}).get(part) if isinstance(part, str) else None
        annotation = getattr(field, "annotation", None)
        models = [a for a in typing.get_args(annotation) if isinstance(a, type)]
        annotation = next((a for a in models if issubclass(a, BaseModel)), annotation)  # X | None
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            current = annotation
    fields = getattr(current, "model_fields", {})
    return [field.alias or name for name, field in fields.items()]  # YAML spells the alias


def _display_loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and "[" in p))


def _message(error: dict[str, Any], model: type[BaseModel]) -> tuple[str, tuple[Any, ...]]:
    """A human message for one pydantic error, and the key path it refers to."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
    kind = error["type"]
    key = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        allowed = _field_names(model, loc[:-1])
        return f"unknown key '{key}'{suggest(key, allowed)}", loc
    if kind == "missing":
        return f"missing required key '{key}'", loc
    if kind == "value_error":
        text = str(error.get("ctx", {}).get("error") or error["msg"])
        return text, loc
    where = f"key '{_display_loc(loc)}': " if loc else ""
    expected = _EXPECTED.get(kind)
    got = error.get("input")
    if expected:
        return f"{where}expected {expected}, got {got!r}", loc
    return f"{where}{error['msg'][0].lower()}{error['msg'][1:]} (got {got!r})", loc


def to_definition_errors(
    exc: ValidationError, model: type[BaseModel], source: SourceMap, prefix: PathKey = ()
) -> list[DefinitionError]:
    """One DefinitionError per pydantic error, located in ``source`` under ``prefix``."""
    errors = []
    for error in exc.errors(include_url=False):
        message, loc = _message(error, model)
        full = (*prefix, *loc)
        key = str(loc[-1]) if loc else None
        at_key = error["type"] in ("extra_forbidden", "missing")
        errors.append(
            DefinitionError(message, source.locate(full, prefer_value=not at_key), key=key)
        )
    return errors
