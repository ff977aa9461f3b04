"""Declarative base with a constraint naming convention and shared column types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeGuard

from sqlalchemy import DateTime, Index, MetaData, TypeDecorator, text
from sqlalchemy.orm import DeclarativeBase

#: Named constraints let SQLite batch migrations find and alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The largest id a row can have: ids are 32-bit integers on PostgreSQL. A larger number in a
#: request names nothing; bound into a query it would fail the whole statement instead.
MAX_ID = 2**31 - 1


def is_id(value: object) -> TypeGuard[int]:
    """Whether ``value`` can be a row's id (a boolean is not a number)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def partial_unique_index(name: str, *columns: str, where: str) -> Index:
    """A unique index over the rows that meet ``where`` (SQL, the same on both databases).

    Only SQLite's condition is declared; :func:`use_postgresql` gives PostgreSQL the same one
    when an app on PostgreSQL is made. Declared here, it would have SQLAlchemy load its
    PostgreSQL dialect (2.7 MiB) just to check the keyword, in every server on SQLite too.
    """
    return Index(name, *columns, unique=True, sqlite_where=text(where))


def use_postgresql() -> None:
    """Give every partial index SQLite's condition on PostgreSQL too (before any schema is
    made or compared there)."""
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            where = index.dialect_options["sqlite"]["where"]
            if where is not None:
                index.dialect_options["postgresql"]["where"] = where


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always read back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use participation.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
