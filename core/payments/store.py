"""Small SQL helpers the payments services share (both backends)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


async def upsert(
    conn: AsyncConnection, table: Table, values: dict[str, Any], keys: Sequence[str]
) -> None:
    """Insert ``values``, or update the row with the same ``keys``."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k not in keys}
    await conn.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=changes))


async def insert_if_absent(conn: AsyncConnection, table: Table, values: dict[str, Any]) -> bool:
    """Insert ``values`` unless a row with the same key exists; True if inserted.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction and
    then finds its row: exactly one of them inserts.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    result = await conn.execute(dialect.insert(table).values(**values).on_conflict_do_nothing())
    return bool(result.rowcount)
