"""column-check, pure parts: its YAML, its SQL, and comparing values across engines."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest

from airflow_dataduct.errors import DefinitionErrors
from airflow_dataduct.factory.definitions import open_definitions
from airflow_dataduct.model.pipeline import Pipeline, read_pipeline
from airflow_dataduct.model.steps.qa import ColumnCheckParams
from airflow_dataduct.qa.compare import canonical, canonical_text, compare_rows
from airflow_dataduct.sql.column_check import (
    bind_key_set,
    destination_table_sql,
    key_set_sql,
    select_item_count,
    source_sample_sql,
)
from airflow_dataduct.tables.ddl import parse_table_sql

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "broken"
UTC = dt.timezone.utc


def read(text: str, tmp: Path) -> Pipeline:
    path = tmp / "p.yaml"
    path.write_text("name: p\nsteps:\n" + text)
    return read_pipeline(path, open_definitions(FIXTURES))


def errors_of(text: str, tmp: Path) -> str:
    with pytest.raises(DefinitionErrors) as exc:
        read(text, tmp)
    return str(exc.value)


# --- YAML ------------------------------------------------------------------------------------

STEP = """-   step_type: column-check
    source_host: maestro
    source_sql: SELECT id, name FROM users
"""


def test_column_check_reads_with_dataduct_defaults(tmp_path: Path) -> None:
    pipeline = read(STEP + "    destination_table_definition: tables/good.sql\n", tmp_path)
    step = pipeline.steps[0]
    assert step.name == "ColumnCheckStep0"
    assert isinstance(step.params, ColumnCheckParams)
    assert (step.params.sample_size, step.params.tolerance) == (100, 1.0)
    assert step.params.sql_tail_for_source == ""
    assert step.tables["destination_table_definition"].full_name == "staging.good"


def test_destination_sql_gives_the_key_count(tmp_path: Path) -> None:
    text = (
        STEP
        + "    destination_sql: SELECT a, b, CONCAT(c, d) FROM t WHERE (a, b) IN PRIMARY_KEY_SET\n"
    )
    params = read(text, tmp_path).steps[0].params
    assert isinstance(params, ColumnCheckParams)
    assert params.destination_key_count == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("", "give exactly one of 'destination_table_definition', 'destination_sql'"),
        ("    destination_sql: SELECT id FROM t WHERE id IN PRIMARY_KEY_SET\n", "key column"),
        ("    destination_table_definition: tables/no_pk.sql\n", "has no primary key"),
        (
            "    destination_table_definition: tables/good.sql\n    sample_size: 0\n",
            "sample_size",
        ),
    ],
)
def test_bad_column_check_is_a_definition_error(tmp_path: Path, extra: str, message: str) -> None:
    assert message in errors_of(STEP + extra, tmp_path)


def test_a_table_of_only_key_columns_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "keys.sql").write_text(
        "CREATE TABLE k (a INT, b INT, PRIMARY KEY (a, b));"
    )
    (tmp_path / "dataduct.yaml").write_text((FIXTURES / "dataduct.yaml").read_text())
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: p\nsteps:\n" + STEP + "    destination_table_definition: tables/keys.sql\n"
    )
    with pytest.raises(DefinitionErrors, match="nothing to compare"):
        read_pipeline(path, open_definitions(tmp_path))


# --- SQL -------------------------------------------------------------------------------------


def test_limit_placeholder_is_replaced_in_any_case() -> None:
    sql = source_sample_sql("SELECT id FROM t;", "ORDER BY RAND() limit Limit_Placeholder", 25)
    assert sql == "SELECT * FROM (SELECT id FROM t) AS origin ORDER BY RAND() limit 25"


def test_an_empty_tail_samples_the_first_rows() -> None:
    assert source_sample_sql("SELECT id FROM t", "", 7).endswith("AS origin LIMIT 7")


def test_destination_from_a_table_puts_keys_first() -> None:
    table = parse_table_sql("CREATE TABLE s.t (v INT, b INT, a INT, w TEXT, PRIMARY KEY (a, b))")
    assert destination_table_sql(table) == (
        "SELECT a, b, v, w FROM s.t WHERE (a, b) IN PRIMARY_KEY_SET"
    )
    single = parse_table_sql('CREATE TABLE t ("Order" INT PRIMARY KEY, v INT)')
    assert destination_table_sql(single) == (
        'SELECT "Order", v FROM t WHERE "Order" IN PRIMARY_KEY_SET'
    )


def test_keys_are_bound_as_placeholders_and_percent_is_escaped() -> None:
    assert key_set_sql(3, 1) == "(%s, %s, %s)"
    assert key_set_sql(2, 2) == "((%s, %s), (%s, %s))"
    sql = "SELECT id, v FROM t WHERE id IN PRIMARY_KEY_SET AND v LIKE 'a%';"
    assert bind_key_set(sql, 2, 1) == "SELECT id, v FROM t WHERE id IN (%s, %s) AND v LIKE 'a%%'"
    with pytest.raises(ValueError):
        key_set_sql(0, 1)


@pytest.mark.parametrize(
    ("sql", "count"),
    [
        ("SELECT a, b FROM t", 2),
        ("select a, CONCAT(b, ',', c) AS x, 'x,y' FROM t", 3),
        ("WITH w AS (SELECT 1, 2 FROM z) SELECT a, b, c FROM w", 3),
        ("SELECT a, (SELECT x, y FROM u) FROM t WHERE a IN PRIMARY_KEY_SET", 2),
        ("SELECT from_date, b FROM t", 2),
    ],
)
def test_select_items_are_counted_like_dataduct(sql: str, count: int) -> None:
    assert select_item_count(sql) == count


# --- comparing values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mysql", "warehouse"),
    [
        (1, True),
        (0, False),
        (decimal.Decimal("1.50"), decimal.Decimal("1.5")),
        (3, decimal.Decimal("3.000")),
        (0.1, 0.1),
        (float("nan"), decimal.Decimal("NaN")),
        (
            dt.datetime(2020, 1, 1, 12),
            dt.datetime(2020, 1, 1, 13, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ),
        (dt.timedelta(hours=12, seconds=1), dt.time(12, 0, 1)),
        (dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
        ("caf\u00e9 \U0001f600", "caf\u00e9 \U0001f600"),
        (b"\x00\xff", memoryview(b"\x00\xff")),
        (None, None),
    ],
)
def test_equal_values_from_two_engines_are_equal(mysql: object, warehouse: object) -> None:
    assert canonical(mysql) == canonical(warehouse)


@pytest.mark.parametrize(
    ("mysql", "warehouse"),
    [
        ("", None),
        ("NULL", None),
        ("1", 1),
        ("a ", "a"),
        (dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, tzinfo=UTC)),
        (decimal.Decimal("1.01"), decimal.Decimal("1.1")),
        (
            dt.datetime(2020, 1, 1, 12),
            dt.datetime(2020, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ),
    ],
)
def test_different_values_stay_different(mysql: object, warehouse: object) -> None:
    assert canonical(mysql) != canonical(warehouse)


def test_comparison_counts_mismatches_and_missing_keys() -> None:
    source = [((1,), ("a", 1)), ((2,), ("b", 0)), ((3,), ("c", 1)), ((4,), ("d", None))]
    warehouse = [((1,), ("a", True)), ((2,), ("B", False)), ((4,), ("d", 0))]
    found = compare_rows(source, warehouse, ["name", "flag"])
    assert (found.sampled, found.compared, found.missing, found.mismatches) == (4, 3, 1, 2)
    assert found.mismatched_columns == {"name": 1, "flag": 1}
    assert found.error_rate() == pytest.approx(200 / 3)
    assert found.examples[0] == "key (2) name: source 'b', warehouse 'B'"


def test_keys_match_across_engines_after_normalising() -> None:
    source = [((decimal.Decimal("7"), dt.datetime(2020, 1, 1)), ("x",))]
    warehouse = [((7, dt.datetime(2020, 1, 1, tzinfo=UTC)), ("x",))]
    found = compare_rows(source, warehouse, ["v"])
    assert (found.compared, found.mismatches) == (1, 0)


def test_nothing_compared_has_no_error_rate() -> None:
    found = compare_rows([((1,), ("a",))], [], ["v"])
    assert (found.missing, found.error_rate()) == (1, None)


def test_dataduct_concatenation_compares_canonical_text() -> None:
    source = [((1,), ("ab", None, decimal.Decimal("2.50"), True))]
    assert canonical_text(decimal.Decimal("2.50")) == "2.5"
    found = compare_rows(source, [((1,), ("ab2.51",))], ["a", "b", "c", "d"], concatenate=True)
    assert found.mismatches == 0


def test_builder_makes_a_column_check_task_with_its_sql(tmp_path: Path) -> None:
    from airflow_dataduct.factory.dag import build_dag

    text = STEP + (
        "    destination_table_definition: tables/good.sql\n"
        "    sql_tail_for_source: ORDER BY RAND() LIMIT LIMIT_PLACEHOLDER\n"
        "    sample_size: 20\n"
        "    tolerance: 0.5\n"
        "    sns_topic_arn: arn:aws:sns:us-east-1:123456789012:qa-warnings\n"
    )
    pipeline = read(text, tmp_path)
    task = build_dag(pipeline, open_definitions(FIXTURES)).get_task("ColumnCheckStep0")
    assert task.source_sample_sql == (
        "SELECT * FROM (SELECT id, name FROM users) AS origin ORDER BY RAND() LIMIT 20"
    )
    assert task.destination_sql == "SELECT id, name FROM staging.good WHERE id IN PRIMARY_KEY_SET"
    assert (task.tolerance, task.test_name, task.source_conn_id) == (
        0.5,
        "p.ColumnCheckStep0",
        "dataduct_maestro",
    )
    assert task.qa_policy.topic_arn == "arn:aws:sns:us-east-1:123456789012:qa-warnings"


def test_source_keys_line_up_with_a_primary_key_declared_out_of_column_order() -> None:
    from airflow_dataduct.operators.column_check import ColumnCheckOperator

    table = parse_table_sql("CREATE TABLE s.t (v INT, b INT, a INT, w TEXT, PRIMARY KEY (a, b))")
    check = ColumnCheckOperator(
        task_id="c",
        source_conn_id="src",
        source_sample_sql="SELECT * FROM x",
        tolerance=0.0,
        test_name="t.c",
        destination_table=table,
        warehouse_conn_id="wh",
    )
    assert check.key_positions(4) == [2, 1]  # a, then b: the order the warehouse query uses
    # the warehouse answers (a, b, v, w) for the source row (v, b, a, w)
    check.read_destination = lambda keys: [(3, 2, 1, "w")] if keys == [(3, 2)] else []  # type: ignore[method-assign]
    found = check.compare(["v", "b", "a", "w"], [(1, 2, 3, "w")])
    assert (found.compared, found.mismatches) == (1, 0)


def test_destination_sql_without_the_key_placeholder_is_filtered_in_the_database() -> None:
    from airflow_dataduct.sql.column_check import keyed_destination_sql

    assert keyed_destination_sql("SELECT network_id, network_name FROM prod.networks;", 1) == (
        "SELECT * FROM (SELECT network_id, network_name FROM prod.networks) AS "
        "dataduct_destination (dataduct_c1, dataduct_c2) WHERE dataduct_c1 IN PRIMARY_KEY_SET"
    )
    written = "SELECT id, v FROM t WHERE id IN PRIMARY_KEY_SET"
    assert keyed_destination_sql(written, 1) == written
