"""Redshift-facing DDL and catalog SQL: first-load race, byte lengths, case folding, REGION."""

from __future__ import annotations

from airflow_dataduct.connections.warehouse import is_retryable, lock_table_sql
from airflow_dataduct.sql.copy import RedshiftCredentials
from airflow_dataduct.sql.ddl import create_table_sql, table_columns_sql, table_exists_sql
from airflow_dataduct.sql.identifiers import Dialect
from airflow_dataduct.sql.load_modes import identity_columns_sql, primary_key_columns_sql
from airflow_dataduct.tables.ddl import parse_table_sql

ORDERS = parse_table_sql(
    'CREATE TABLE "Sales"."Orders" (id INTEGER, "Region" VARCHAR(4), code CHAR(2));'
)


def test_redshift_first_load_creates_if_not_exists() -> None:
    assert create_table_sql(ORDERS, Dialect.REDSHIFT, if_not_exists=True).startswith(
        'CREATE TABLE IF NOT EXISTS "Sales"."Orders" ('
    )
    assert create_table_sql(ORDERS, Dialect.REDSHIFT).startswith('CREATE TABLE "Sales"')


def test_stand_in_counts_varchar_and_char_lengths_in_bytes() -> None:
    sql = create_table_sql(ORDERS, Dialect.POSTGRES)
    assert 'CHECK (octet_length("Region") <= 4)' in sql
    assert "CHECK (octet_length(CAST(code AS TEXT)) = char_length(CAST(code AS TEXT)))" in sql


def test_redshift_catalog_lookups_use_folded_names() -> None:
    assert "table_schema = 'sales' AND table_name = 'orders'" in table_exists_sql(
        ORDERS, Dialect.REDSHIFT
    )
    assert "table_name = 'orders'" in table_columns_sql(ORDERS, Dialect.REDSHIFT)
    assert "table_name = 'Orders'" in table_columns_sql(ORDERS, Dialect.POSTGRES)
    assert "'sales'" in primary_key_columns_sql("Sales", "Orders", Dialect.REDSHIFT)
    assert "'orders'" in identity_columns_sql("Sales", "Orders", Dialect.REDSHIFT)


def test_region_follows_the_authorization() -> None:
    role = RedshiftCredentials(iam_role="arn:r", region="eu-west-1")
    assert role.clause() == "IAM_ROLE 'arn:r' REGION 'eu-west-1'"
    assert RedshiftCredentials(iam_role="arn:r").clause() == "IAM_ROLE 'arn:r'"


def test_redshift_takes_no_lock_so_readers_never_wait() -> None:
    assert lock_table_sql(ORDERS, Dialect.REDSHIFT) is None
    assert "SHARE ROW EXCLUSIVE" in (lock_table_sql(ORDERS, Dialect.POSTGRES) or "")


class _DriverError(Exception):
    pass


def test_serialization_failures_are_retryable_and_others_are_not() -> None:
    redshift = _DriverError({"S": "ERROR", "C": "XX000", "M": "1023 Serializable isolation"})
    assert is_retryable(redshift)
    assert is_retryable(_DriverError({"C": "40001", "M": "could not serialize"}))
    assert is_retryable(_DriverError('relation "orders" already exists'))
    assert not is_retryable(_DriverError({"C": "22001", "M": "value too long"}))
