"""Pictures Dataduct users had: ``graph --format svg`` and ``database graph`` (Mermaid, SVG)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from airflow_dataduct.cli.main import main
from airflow_dataduct.cli.pipeline import load_pipeline_dag

ROOT = Path(__file__).resolve().parents[3]
DEFINITIONS = ROOT / "dag_definitions"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot not installed")

ORDERS = """\
CREATE TABLE shop.orders (
    order_id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES shop.customers (customer_id),
    amount DECIMAL(12,2) NOT NULL,
    region CHAR(2),
    FOREIGN KEY (region, order_id) REFERENCES geo.regions (code, id)
);
"""
CUSTOMERS = "CREATE TABLE shop.customers (customer_id INTEGER PRIMARY KEY, name VARCHAR(64));\n"


def svg_graph(text: str) -> tuple[set[str], set[str], set[str]]:
    """(node titles, edge titles, texts) of a Graphviz SVG."""
    root = ET.fromstring(text)
    groups = root.iter(f"{SVG}g")
    nodes, edges = set(), set()
    for group in groups:
        title = group.find(f"{SVG}title")
        if group.get("class") == "node" and title is not None:
            nodes.add(title.text or "")
        if group.get("class") == "edge" and title is not None:
            edges.add(title.text or "")
    texts = {t.text or "" for t in root.iter(f"{SVG}text")}
    return nodes, edges, texts


@pytest.fixture
def tables(tmp_path: Path) -> list[str]:
    (tmp_path / "orders.sql").write_text(ORDERS)
    (tmp_path / "customers.sql").write_text(CUSTOMERS)
    return [str(tmp_path / "orders.sql"), str(tmp_path / "customers.sql")]


@needs_dot
def test_pipeline_graph_svg_draws_every_task_and_edge(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "users", "--definitions", str(DEFINITIONS), "--format", "svg"]) == 0
    nodes, edges, _ = svg_graph(capsys.readouterr().out)
    _, dag = load_pipeline_dag("users", str(DEFINITIONS))
    assert nodes == set(dag.task_dict)
    assert edges == {f"{t.task_id}->{d}" for t in dag.tasks for d in t.downstream_task_ids}


def test_database_graph_prints_a_mermaid_er_diagram_with_foreign_keys(
    tables: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["database", "graph", *tables]) == 0
    assert capsys.readouterr().out == (
        "erDiagram\n"
        '    shop_orders["shop.orders"] {\n'
        "        INTEGER order_id PK,FK\n"
        "        INTEGER customer_id FK\n"
        "        DECIMAL(12-2) amount\n"
        "        CHAR(2) region FK\n"
        "    }\n"
        '    shop_customers["shop.customers"] {\n'
        "        INTEGER customer_id PK\n"
        "        VARCHAR(64) name\n"
        "    }\n"
        '    shop_orders }o--|| shop_customers : "customer_id"\n'
        '    shop_orders }o--|| geo_regions : "region, order_id"\n'
    )


@needs_dot
def test_database_graph_svg_draws_tables_and_foreign_keys(
    tables: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["database", "graph", "--format", "svg", *tables]) == 0
    nodes, edges, texts = svg_graph(capsys.readouterr().out)
    assert nodes == {"shop.orders", "shop.customers", "geo.regions"}
    assert edges == {
        "shop.orders->shop.customers",
        "shop.orders->geo.regions",
    }
    assert {"DECIMAL(12,2)", "customer_id", "PK", "region, order_id"} <= texts


def test_svg_without_graphviz_installed_is_a_clear_error(
    tables: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["database", "graph", "--format", "svg", *tables]) == 1
    assert "SVG needs Graphviz's `dot` program" in capsys.readouterr().err
