"""The parse cache never serves a stale pipeline: each parse is a fresh process, as in Airflow,
and an edit of a table file, a config key or a custom step's module (outside the folder, by
import path) is seen by the next one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from airflow_dataduct.factory.state import CACHE_ENV

PARSE = """
import json, sys
from airflow_dataduct.factory.loader import scan
result = scan(sys.argv[1])
assert not result.errors, result.errors
pipeline = {p.name: p for p in result.pipelines}["orders"]
print(json.dumps({
    "columns": [c.name for c in pipeline.steps[0].tables["table_definition"].columns],
    "retries": result.config.defaults.retries,
    "greeting": pipeline.steps[1].params.greeting,
}))
"""

TEAM_STEP = """
from airflow.providers.standard.operators.empty import EmptyOperator

from airflow_dataduct.model.steps.base import StepParams


class GreetParams(StepParams):
    greeting: str = "{greeting}"


class GreetStep:
    params = GreetParams

    @staticmethod
    def build(ctx, step):
        return EmptyOperator(task_id=step.name)
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    definitions = tmp_path / "defs"
    (definitions / "tables").mkdir(parents=True)
    (definitions / "tables" / "orders.sql").write_text(
        "CREATE TABLE staging.orders (id INTEGER PRIMARY KEY, total DECIMAL(12,2));\n"
    )
    (definitions / "dataduct.yaml").write_text(
        "hosts: {shop: shop_db}\ndefaults: {retries: 1}\n"
        "custom_steps: [{step_type: greet, module: team_steps, class_name: GreetStep}]\n"
    )
    (definitions / "orders.yaml").write_text(
        textwrap.dedent(
            """\
            name: orders
            steps:
            -   step_type: create-load-redshift
                input_path: s3://bucket/orders/
                table_definition: tables/orders.sql
            -   step_type: greet
            """
        )
    )
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "team_steps.py").write_text(TEAM_STEP.format(greeting="hello"))
    return definitions


def parse(folder: Path) -> dict[str, object]:
    """One parse in a fresh process sharing the test's cache folder."""
    env = {
        **os.environ,
        CACHE_ENV: str(folder.parent / "cache"),
        "PYTHONPATH": os.pathsep.join([str(folder.parent / "team"), *sys.path]),
    }
    out = subprocess.run(
        [sys.executable, "-c", PARSE, str(folder)], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_next_parse_sees_each_edit(folder: Path) -> None:
    assert parse(folder) == {"columns": ["id", "total"], "retries": 1, "greeting": "hello"}
    assert (folder.parent / "cache").is_dir(), "the first parse filled the cache"

    edit(folder / "tables" / "orders.sql", "total DECIMAL(12,2)", "total DECIMAL(12,2), note TEXT")
    assert parse(folder)["columns"] == ["id", "total", "note"]

    edit(folder / "dataduct.yaml", "retries: 1", "retries: 4")
    assert parse(folder)["retries"] == 4

    module = folder.parent / "team" / "team_steps.py"
    stat = module.stat()
    module.write_text(TEAM_STEP.format(greeting="bonjour"))
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert parse(folder)["greeting"] == "bonjour"
