"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import BigInteger, DateTime, Integer, Row
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# SQLite only aliases the rowid (and so autoincrements) for a column declared exactly
# INTEGER PRIMARY KEY; PostgreSQL gets a real 64-bit identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in Python on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is stored
    as naive UTC and made aware again when read. Naive datetimes are refused on the way
    in: they are always a bug in a bank.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # pragma: no cover - defensive, aiosqlite parses already
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# A result row of any shape: SQLAlchemy 2.1 types rows by their column types, which the
# helpers that turn rows into views do not need to know.
AnyRow: TypeAlias = Row[*tuple[Any, ...]]
