"""The provider metadata Airflow reads from the ``apache_airflow_provider`` entry point."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import airflow
import jsonschema

from airflow_dataduct import __version__, get_provider_info


def test_provider_info_matches_airflows_schema() -> None:
    schema_path = Path(airflow.__file__).parent / "provider_info.schema.json"
    info = get_provider_info()
    jsonschema.validate(info, json.loads(schema_path.read_text()))
    assert info["versions"] == [__version__]


def test_every_listed_module_imports_and_no_connection_type_is_claimed() -> None:
    info = get_provider_info()
    modules = [
        m for kind in ("operators", "sensors") for e in info[kind] for m in e["python-modules"]
    ]
    for module in modules:
        importlib.import_module(module)
    assert "connection-types" not in info, "no hook class defines a connection type of its own"
