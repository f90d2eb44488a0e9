"""Domain events, written in the transaction that caused them (a transactional outbox).

Later parts of Teller relay these to customers (money received, card declined, …); here
the core only guarantees that an event exists if and only if its change committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from core.persistence.tables import events


async def record(
    conn: AsyncConnection,
    type_: str,
    aggregate_id: object,
    payload: dict[str, Any],
    at: datetime,
) -> None:
    """Append one event to the outbox inside the caller's transaction."""
    await conn.execute(
        insert(events).values(
            type=type_, aggregate_id=str(aggregate_id), payload=payload, occurred_at=at
        )
    )
