"""QA step family: ``column-check`` (docs/steps.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field, model_validator

from airflow_dataduct.model.steps.base import (
    Identifier,
    NonEmpty,
    QaLogParams,
    StepParams,
    exactly_one,
)
from airflow_dataduct.sql.column_check import select_item_count
from airflow_dataduct.types import SnsArn

if TYPE_CHECKING:
    from airflow_dataduct.tables.model import Table


class PrimaryKeyCheckParams(QaLogParams):
    """``primary-key-check``: no primary key value may appear twice."""

    table_definition: NonEmpty
    sns_topic_arn: SnsArn | None = None
    """Dataduct: a failed check publishes here and the run continues."""

    table_keys: ClassVar[tuple[str, ...]] = ("table_definition",)
    primary_key_required: ClassVar[tuple[str, ...]] = ("table_definition",)


class CountCheckParams(QaLogParams):
    """``count-check``: source and warehouse row counts agree within ``tolerance`` percent."""

    source_host: NonEmpty
    source_sql: NonEmpty | None = None
    source_table_name: Identifier | None = None
    source_count_sql: NonEmpty | None = None
    destination_sql: NonEmpty | None = None
    destination_table_name: Identifier | None = None
    destination_table_definition: NonEmpty | None = None
    tolerance: Annotated[float, Field(ge=0)] = 1.0
    sns_topic_arn: SnsArn | None = None
    """Dataduct: a failed check publishes here and the run continues."""

    table_keys: ClassVar[tuple[str, ...]] = ("destination_table_definition",)

    @model_validator(mode="after")
    def _one_each(self) -> CountCheckParams:
        exactly_one(self, "source_sql", "source_table_name", "source_count_sql")
        exactly_one(
            self, "destination_sql", "destination_table_name", "destination_table_definition"
        )
        return self


class ColumnCheckParams(QaLogParams):
    """``column-check``: a sample of source rows has the same values in the warehouse."""

    source_sql: NonEmpty
    source_host: NonEmpty
    destination_table_definition: NonEmpty | None = None
    destination_sql: NonEmpty | None = None
    sql_tail_for_source: str = ""
    sample_size: Annotated[int, Field(ge=1, le=100_000)] = 100
    tolerance: Annotated[float, Field(ge=0)] = 1.0
    sns_topic_arn: SnsArn | None = None
    """Dataduct: a failed check publishes here and the run continues."""

    table_keys: ClassVar[tuple[str, ...]] = ("destination_table_definition",)
    primary_key_required: ClassVar[tuple[str, ...]] = ("destination_table_definition",)

    @model_validator(mode="after")
    def _one_destination(self) -> ColumnCheckParams:
        exactly_one(self, "destination_table_definition", "destination_sql")
        if self.destination_sql is not None and select_item_count(self.destination_sql) < 2:
            raise ValueError(
                "destination_sql must select the key column(s) first and one value column last"
            )
        return self

    @property
    def destination_key_count(self) -> int:
        """With ``destination_sql``: every selected column but the last is a key (Dataduct)."""
        assert self.destination_sql is not None
        return select_item_count(self.destination_sql) - 1

    def check_tables(self, tables: dict[str, Table]) -> list[tuple[str, str]]:
        problems = super().check_tables(tables)
        table = tables.get("destination_table_definition")
        if table is not None and table.primary_key and not table.non_key_columns:
            problems.append(
                (
                    "destination_table_definition",
                    f"destination_table_definition: table {table.full_name} has no column "
                    "besides its primary key, so column-check has nothing to compare",
                )
            )
        return problems


STEP_MODELS: dict[str, type[StepParams]] = {
    "primary-key-check": PrimaryKeyCheckParams,
    "count-check": CountCheckParams,
    "column-check": ColumnCheckParams,
}
