"""The table model: what a `tables/*.sql` Redshift CREATE TABLE says, parsed once."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a table definition, in definition order."""

    name: str
    """Identifier as the warehouse stores it: unquoted names lower-cased, quoted ones kept."""
    data_type: str
    """Upper-case type text with its arguments, e.g. ``VARCHAR(256)``, ``DECIMAL(12,2)``."""
    position: int
    """1-based ordinal position."""
    nullable: bool = True
    default: str | None = None
    """The DEFAULT expression as SQL text, if any."""
    identity: tuple[int, int] | None = None
    """``IDENTITY(seed, step)``, if any."""
    encoding: str | None = None
    references: tuple[str, str | None] | None = None
    """Column-level ``REFERENCES table [(column)]``."""


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: local columns to a referenced table's columns."""

    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A parsed table definition."""

    schema: str | None
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    dist_style: str | None = None
    dist_key: str | None = None
    sort_style: str | None = None
    """``COMPOUND`` or ``INTERLEAVED`` when a SORTKEY is given (COMPOUND is Redshift's default)."""
    sort_keys: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    temporary: bool = False
    source_path: str = ""
    source_sql: str = field(default="", compare=False)
    """The CREATE TABLE statement as written (comments stripped)."""

    @property
    def full_name(self) -> str:
        """``schema.name``, or ``name`` when the definition is unqualified."""
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def non_key_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.name not in self.primary_key)

    def column(self, name: str) -> Column:
        """The column called ``name``; KeyError when there is none."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)
