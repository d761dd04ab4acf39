"""Parameters of the SQL / warehouse step family (docs/steps.md).

``reload`` and ``delta-load`` are upserts (one concept, :class:`UpsertParams`) with a fixed
``delete_existing`` or a generated ``filter_clause``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from airflow_dataduct.model.load_runner import LoadRunnerArguments, LoadRunnerFlags
from airflow_dataduct.model.steps.base import (
    Identifier,
    NonEmpty,
    OutputPath,
    ScriptArguments,
    StepParams,
    exactly_one,
)
from airflow_dataduct.sql.history import history_problems
from airflow_dataduct.sql.load_modes import insert_select_sql, placeholder_marks
from airflow_dataduct.sql.script import placeholder_count, split_statements
from airflow_dataduct.types import MAX_SPLITS

if TYPE_CHECKING:
    from airflow_dataduct.tables.model import Table


class ExtractRdsParams(StepParams):
    """``extract-rds``: a query or table from a DB-API source to staged files."""

    sql: NonEmpty | None = None
    table: Identifier | None = None
    host_name: NonEmpty
    database: NonEmpty | None = None
    output_path: OutputPath | None = None
    splits: Annotated[int, Field(strict=True, ge=1, le=MAX_SPLITS)] = 1
    """Stage at least this many files of nearly equal row counts (parallel Redshift COPY)."""

    @model_validator(mode="after")
    def _one_source(self) -> ExtractRdsParams:
        exactly_one(self, "sql", "table")
        return self


class CreateLoadRedshiftParams(StepParams):
    """``create-load-redshift``: create the table if missing, replace its rows atomically."""

    table_definition: NonEmpty
    script_arguments: LoadRunnerArguments = LoadRunnerFlags()
    """Dataduct's load runner flags (``--max_error=5``, ``--force_drop_table``, ...)."""

    table_keys: ClassVar[tuple[str, ...]] = ("table_definition",)


class UpsertParams(StepParams):
    """``upsert``: merge a source (table, ``sql`` or ``script``) into a destination by primary
    key, in one transaction; optionally keep a type-2 ``history`` table (docs/steps.md)."""

    destination: NonEmpty
    source: NonEmpty | None = None
    sql: NonEmpty | None = None
    script: NonEmpty | None = None
    enforce_primary_key: bool = True
    delete_existing: bool = False
    analyze_table: bool = True
    filter_clause: str | None = None
    history: NonEmpty | None = None
    non_transactional: bool = False
    script_arguments: ScriptArguments | None = None

    table_keys: ClassVar[tuple[str, ...]] = ("destination", "source", "history")
    file_keys: ClassVar[tuple[str, ...]] = ("script",)

    @property
    def primary_key_required(self) -> tuple[str, ...]:  # type: ignore[override]
        """An upsert matches rows on the destination's key; a full replace needs none."""
        return () if self.delete_existing and not self.history else ("destination",)

    @model_validator(mode="after")
    def _one_source(self) -> UpsertParams:
        exactly_one(self, "source", "sql", "script")
        if self.script_arguments and self.source is not None:
            raise ValueError("script_arguments needs a 'sql' or 'script' source to bind to")
        if self.sql is not None and self.script_arguments:
            found = placeholder_count(self.sql) + placeholder_count(self.filter_clause or "")
            if found != len(self.script_arguments):
                raise ValueError(
                    f"script_arguments has {len(self.script_arguments)} value(s) but the SQL "
                    f"has {found} %s placeholder(s)"
                )
        return self

    def check_tables(self, tables: dict[str, Table]) -> list[tuple[str, str]]:
        problems = super().check_tables(tables)
        history, destination = tables.get("history"), tables.get("destination")
        if history is not None and destination is not None:
            problems += [("history", p) for p in history_problems(history, destination)]
        return problems


Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*$", max_length=127)]
"""One unqualified SQL name (Dataduct asserts a table name has no ``.``)."""
QualifiedName = Annotated[
    str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
]


def _no_schema(value: Any) -> Any:
    if isinstance(value, str) and "." in value:
        raise ValueError(f"give the table name without its schema ('{value}'): use 'schema'")
    return value


TableName = Annotated[Name, BeforeValidator(_no_schema)]
InsertMode = Literal["TRUNCATE", "APPEND", "KEEP_EXISTING", "OVERWRITE_EXISTING"]


def _unquote_char(value: Any) -> Any:
    """Dataduct passed ``'?'`` with its quotes; accept both ``?`` and ``'?'``."""
    if isinstance(value, str) and len(value) == 3 and value[0] == value[2] == "'":
        return value[1]
    return value


def check_arguments(sql: str | None, arguments: list[str] | None) -> None:
    """Inline SQL and its ``script_arguments`` must agree on the number of ``%s``."""
    if sql is None or not arguments:
        return
    found = sum(placeholder_count(s) for s in split_statements(sql))
    if found != len(arguments):
        raise ValueError(
            f"script_arguments has {len(arguments)} value(s) but the SQL has {found} "
            "%s placeholder(s)"
        )


class SqlScriptParams(StepParams):
    """``command`` (inline SQL) or ``script`` (a file), with ``script_arguments`` bound to its
    ``%s`` placeholders in order."""

    command: NonEmpty | None = None
    script: NonEmpty | None = None
    script_arguments: ScriptArguments | None = None

    file_keys: ClassVar[tuple[str, ...]] = ("script",)

    @model_validator(mode="after")
    def _one_sql(self) -> SqlScriptParams:
        exactly_one(self, "command", "script")
        if self.command is not None and not split_statements(self.command):
            raise ValueError("command: no SQL statement left after removing comments")
        check_arguments(self.command, self.script_arguments)
        return self


class CreateUpdateSqlParams(SqlScriptParams):
    """``create-update-sql``: create the table if missing, then run SQL, in one transaction."""

    table_definition: NonEmpty
    analyze_table: bool = True
    non_transactional: bool = False

    table_keys: ClassVar[tuple[str, ...]] = ("table_definition",)


class SqlCommandParams(SqlScriptParams):
    """``sql-command``: run SQL on the warehouse, optionally in a Redshift WLM queue."""

    queue: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-.]+$", max_length=127)] | None = None
    wrap_transaction: bool = True


class ReloadParams(UpsertParams):
    """``reload``: an upsert that replaces every destination row (``delete_existing``)."""

    delete_existing: bool = True

    @model_validator(mode="after")
    def _replaces(self) -> ReloadParams:
        if not self.delete_existing:
            raise ValueError("delete_existing: reload always replaces every row; use upsert")
        return self


class DeltaLoadParams(UpsertParams):
    """``delta-load``: an upsert of the source rows dated on or after the destination's latest
    ``date_column`` minus ``window`` days."""

    date_column: Name
    window: Annotated[int, Field(ge=0, le=100_000)] = 0

    @model_validator(mode="after")
    def _generated_filter(self) -> DeltaLoadParams:
        if self.filter_clause is not None:
            raise ValueError("filter_clause: delta-load generates it from date_column and window")
        if self.delete_existing:
            raise ValueError("delete_existing: a delta load keeps the rows outside the window")
        return self


class LoadReloadPkParams(StepParams):
    """``load-reload-pk``: load a staging table, reload production from it, check its key."""

    staging_table_definition: NonEmpty
    production_table_definition: NonEmpty
    analyze_table: bool = True
    enforce_primary_key: bool = True
    non_transactional: bool = False
    script_arguments: LoadRunnerArguments = LoadRunnerFlags()
    """Load runner flags of the staging table's load (as on create-load-redshift)."""
    log_to_s3: bool = False
    """The primary-key check writes its result row (as on primary-key-check)."""

    table_keys: ClassVar[tuple[str, ...]] = (
        "staging_table_definition",
        "production_table_definition",
    )
    primary_key_required: ClassVar[tuple[str, ...]] = ("production_table_definition",)


class ExtractRedshiftParams(StepParams):
    """``extract-redshift``: a whole warehouse table to staged files (UNLOAD on Redshift)."""

    schema_: Name = Field(alias="schema")
    table: TableName
    insert_mode: InsertMode = "TRUNCATE"
    """Accepted for compatibility: Dataduct passed it through and nothing used it."""
    output_path: OutputPath | None = None


class ExtractPostgresParams(StepParams):
    """``extract-postgres``: a query or table from the configured ``postgres`` connection."""

    sql: NonEmpty | None = None
    table: QualifiedName | None = None
    output_path: OutputPath | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ExtractPostgresParams:
        exactly_one(self, "sql", "table")
        return self


class LoadRedshiftParams(StepParams):
    """``load-redshift``: COPY staged rows into an existing warehouse table."""

    schema_: Name = Field(alias="schema")
    table: TableName
    insert_mode: InsertMode = "TRUNCATE"
    max_errors: Annotated[int, Field(ge=0, le=100_000)] = 0
    replace_invalid_char: (
        Annotated[str, BeforeValidator(_unquote_char), Field(min_length=1, max_length=1)] | None
    ) = None
    compression: Literal["gzip", "bzip2", "lzo"] | None = None


class LoadPostgresParams(StepParams):
    """``load-postgres``: insert staged rows into the ``postgres`` connection with a
    parameterised ``INSERT ... VALUES (?, ...)``."""

    table: QualifiedName
    insert_query: NonEmpty
    max_errors: Annotated[int, Field(ge=0)] | None = None
    """Accepted and ignored, as in Dataduct."""
    replace_invalid_char: str | None = None
    """Accepted and ignored, as in Dataduct."""

    @model_validator(mode="after")
    def _parameterised_insert(self) -> LoadPostgresParams:

        statements = split_statements(self.insert_query)
        if len(statements) != 1 or not statements[0].upper().startswith("INSERT"):
            raise ValueError("insert_query: give one INSERT ... VALUES (?, ...) statement")
        if placeholder_marks(statements[0]) == 0:
            raise ValueError("insert_query: no ? placeholder for the staged columns")
        try:
            insert_select_sql(statements[0])
        except ValueError as exc:
            raise ValueError(f"insert_query: {exc}") from None
        return self


STEP_MODELS: dict[str, type[StepParams]] = {
    "extract-rds": ExtractRdsParams,
    "create-load-redshift": CreateLoadRedshiftParams,
    "upsert": UpsertParams,
    "create-update-sql": CreateUpdateSqlParams,
    "sql-command": SqlCommandParams,
    "reload": ReloadParams,
    "delta-load": DeltaLoadParams,
    "load-reload-pk": LoadReloadPkParams,
    "extract-redshift": ExtractRedshiftParams,
    "extract-postgres": ExtractPostgresParams,
    "load-redshift": LoadRedshiftParams,
    "load-postgres": LoadPostgresParams,
}
