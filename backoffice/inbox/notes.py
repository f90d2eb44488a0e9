"""Internal notes on a conversation: for colleagues, never sent to the customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backoffice.store import inbox_notes
from core.persistence.database import Database

MAX_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    author: str
    text: str
    at: datetime


async def add(
    conn: AsyncConnection, channel: str, user: str, author: str, text: str, now: datetime
) -> int:
    """A note, inside the caller's transaction (with its audit record); returns its id."""
    result = await conn.execute(
        insert(inbox_notes)
        .values(channel=channel, user_ref=user, author=author, text=text, created_at=now)
        .returning(inbox_notes.c.id)
    )
    return int(result.scalar_one())


async def of(db: Database, channel: str, user: str) -> list[Note]:
    """The conversation's notes, oldest first."""
    n = inbox_notes.c
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(n.id, n.author, n.text, n.created_at)
                .where(and_(n.channel == channel, n.user_ref == user))
                .order_by(n.id)
            )
        ).all()
    return [
        Note(
            int(r.id),
            str(r.author),
            str(r.text),
            r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC),
        )
        for r in rows
    ]
