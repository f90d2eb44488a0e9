"""The queue between messengers' webhooks and conversation turns, and who can be reached.

A webhook writes each new message here and answers at once; a worker later takes a
conversation's messages in the order they arrived, one at a time, under the
conversation's lock (see ``Conversations.receive_queued``). A message id already handled
(``flow_inbound``) or already queued is not queued again, so a redelivered webhook adds
nothing. A row leaves the queue once its turn is saved; a crash in between leaves it
queued, and its next turn finds it handled and only removes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from flows.messages import Inbound, inbound_from_dict, inbound_to_dict
from flows.ports import Transactions
from flows.store.schema import contacts, queue

KEEP_DONE = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Queued:
    """A message waiting for its turn, with the channel's notes on what to fetch."""

    id: int
    inbound: Inbound
    fetch: dict[str, str]
    attempts: int
    due: bool


@dataclass(frozen=True, slots=True)
class Head:
    """The oldest queued message of one conversation."""

    channel: str
    user: str
    id: int


class SqlQueue:
    def __init__(self, db: Transactions, now: Any) -> None:
        self._db = db
        self._now = now

    async def add(self, items: Sequence[tuple[Inbound, dict[str, str]]]) -> int:
        """Queue the messages whose platform ids are new, in one transaction; returns how
        many were. The people who wrote are marked as having written now (their reply
        windows open). Two prepared statements run once each for many rows: webhooks
        arriving together are written together (see ``bots.pipeline.intake``)."""
        if not items:
            return 0
        now = self._now()
        rows = [
            {
                "channel": msg.channel,
                "user_ref": msg.user,
                "message_id": msg.message_id,
                "body": json.dumps({"inbound": inbound_to_dict(msg), "fetch": fetch}),
                "received_at": now,
                "next_attempt_at": now,
            }
            for msg, fetch in items
        ]
        people = [
            {"channel": channel, "user_ref": user, "at": now}
            for channel, user in sorted({(m.channel, m.user) for m, _ in items})
        ]
        # Urgent: each webhook waits for this commit before it answers its platform.
        async with self._db.transaction(urgent=True) as conn:
            if self._db.backend == "postgresql":
                # One statement over arrays: asyncpg reports no row count for executemany.
                arrays = {
                    "channels": [r["channel"] for r in rows],
                    "users": [r["user_ref"] for r in rows],
                    "ids": [r["message_id"] for r in rows],
                    "bodies": [r["body"] for r in rows],
                    "now": now,
                }
                added = len((await conn.execute(_QUEUE_ARRAYS, arrays)).all())
            else:
                added = max(0, int((await conn.execute(_QUEUE, rows)).rowcount))
            await conn.execute(_TOUCH, people)
        return added

    async def heads(self, limit: int = 500) -> list[Head]:
        """Conversations whose oldest queued message is due, oldest first."""
        now = self._now()
        async with self._db.read() as conn:
            rows = (await conn.execute(_heads(limit), {"now": now})).all()
        return [Head(row.channel, row.user_ref, row.id) for row in rows]

    async def earliest(self, channel: str, user: str) -> Queued | None:
        """The conversation's oldest queued message (due or not)."""
        async with self._db.read() as conn:
            return await earliest_in(conn, channel, user, self._now())

    async def queued(self, item_id: int) -> bool:
        async with self._db.read() as conn:
            found = await conn.execute(
                select(queue.c.id).where(and_(queue.c.id == item_id, queue.c.done_at.is_(None)))
            )
            return found.first() is not None

    async def done(self, item_id: int) -> None:
        """The message's turn is saved: it stays as the record of its platform id."""
        async with self._db.transaction() as conn:
            await mark_done(conn, item_id, self._now())

    async def purge(self, older_than: timedelta = KEEP_DONE) -> int:
        """Forget handled messages after ``older_than`` (platforms redeliver for at most
        a week; a later redelivery still finds the message handled in the conversation)."""
        async with self._db.transaction() as conn:
            gone = await conn.execute(
                delete(queue).where(queue.c.done_at < self._now() - older_than)
            )
        return int(gone.rowcount)

    async def retry(self, item_id: int, delay: float, reason: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                update(queue)
                .where(queue.c.id == item_id)
                .values(
                    attempts=queue.c.attempts + 1,
                    next_attempt_at=self._now() + timedelta(seconds=delay),
                    error=reason[:200],
                )
            )

    async def size(self) -> int:
        async with self._db.read() as conn:
            waiting = select(func.count()).select_from(queue).where(queue.c.done_at.is_(None))
            return int((await conn.execute(waiting)).scalar_one())


@cache
def _heads(limit: int) -> Select[tuple[int, str, str]]:
    """Each waiting conversation's oldest message if it is due (``:now``), oldest first.
    Grouped and filtered in SQL: with a backlog, a conversation's later messages never
    leave the database, and conversations waiting for a retry take no room in ``limit``."""
    oldest = (
        select(func.min(queue.c.id))
        .where(queue.c.done_at.is_(None))
        .group_by(queue.c.channel, queue.c.user_ref)
    )
    return (
        select(queue.c.id, queue.c.channel, queue.c.user_ref)
        .where(queue.c.id.in_(oldest), queue.c.next_attempt_at <= bindparam("now"))
        .order_by(queue.c.id)
        .limit(limit)
    )


# Statements on every message's path are built once: building one costs more than SQLite
# takes to run it (each is compiled once either way, by SQLAlchemy's cache).
_EARLIEST = (
    select(queue.c.id, queue.c.body, queue.c.attempts, queue.c.next_attempt_at)
    .where(
        queue.c.channel == bindparam("channel"),
        queue.c.user_ref == bindparam("user"),
        queue.c.done_at.is_(None),
    )
    .order_by(queue.c.id)
    .limit(1)
)
_MARK_DONE = (
    update(queue).where(queue.c.id == bindparam("item")).values(done_at=bindparam("at"), body="")
)
_CONTACT = select(contacts.c.last_inbound_at, contacts.c.unreachable).where(
    contacts.c.channel == bindparam("channel"), contacts.c.user_ref == bindparam("user")
)


async def earliest_in(
    conn: AsyncConnection, channel: str, user: str, now: datetime
) -> Queued | None:
    """The conversation's oldest queued message (due or not), read on ``conn``: the
    conversation store reads it under the conversation's lock, with the state."""
    row = (await conn.execute(_EARLIEST, {"channel": channel, "user": user})).first()
    if row is None:
        return None
    body = json.loads(row.body)
    return Queued(
        row.id,
        inbound_from_dict(body["inbound"]),
        dict(body.get("fetch", {})),
        row.attempts,
        _aware(row.next_attempt_at) <= now,
    )


async def mark_done(conn: AsyncConnection, item_id: int, now: datetime) -> None:
    """The queued message's turn is saved (on ``conn``: in the transaction that saves it)."""
    await conn.execute(_MARK_DONE, {"item": item_id, "at": now})


# The intake's two statements, text so that they are prepared once and run for many rows
# (SQLite and PostgreSQL share this ON CONFLICT syntax).
_QUEUE = text(
    "INSERT INTO flow_queue (channel, user_ref, message_id, body, received_at, attempts,"
    " next_attempt_at) VALUES (:channel, :user_ref, :message_id, :body, :received_at, 0,"
    " :next_attempt_at) ON CONFLICT (channel, message_id) DO NOTHING"
)
_QUEUE_ARRAYS = text(
    "INSERT INTO flow_queue (channel, user_ref, message_id, body, received_at, attempts,"
    " next_attempt_at) SELECT c, u, m, b, :now, 0, :now FROM unnest(CAST(:channels AS"
    " varchar[]), CAST(:users AS varchar[]), CAST(:ids AS varchar[]), CAST(:bodies AS"
    " text[])) AS t(c, u, m, b) ON CONFLICT (channel, message_id) DO NOTHING RETURNING id"
)
_TOUCH = text(
    "INSERT INTO flow_contacts (channel, user_ref, last_inbound_at) VALUES (:channel,"
    " :user_ref, :at) ON CONFLICT (channel, user_ref) DO UPDATE SET last_inbound_at ="
    " excluded.last_inbound_at, unreachable = NULL, unreachable_at = NULL"
)


@dataclass(frozen=True, slots=True)
class Contact:
    last_inbound_at: datetime
    unreachable: str | None


class SqlContacts:
    """When each person last wrote, and whether they can be reached."""

    def __init__(self, db: Transactions, now: Any) -> None:
        self._db = db
        self._now = now

    async def get(self, channel: str, user: str) -> Contact | None:
        async with self._db.read() as conn:
            row = (await conn.execute(_CONTACT, {"channel": channel, "user": user})).first()
        return None if row is None else Contact(_aware(row.last_inbound_at), row.unreachable)

    async def window_open(self, channel: str, user: str, hours: int | None) -> bool:
        """Whether a free-form message may be sent: always on channels with no window."""
        if hours is None:
            return True
        return self.window_open_for(await self.get(channel, user), hours)

    def window_open_for(self, contact: Contact | None, hours: int | None) -> bool:
        """``window_open`` for a contact already read."""
        if hours is None:
            return True
        if contact is None:
            return False
        now: datetime = self._now()
        return now - contact.last_inbound_at < timedelta(hours=hours)

    async def mark_unreachable(self, channel: str, user: str, reason: str) -> None:
        now = self._now()
        async with self._db.transaction() as conn:
            done = await conn.execute(
                update(contacts)
                .where(and_(contacts.c.channel == channel, contacts.c.user_ref == user))
                .values(unreachable=reason[:200], unreachable_at=now)
            )
            if not done.rowcount:
                dialect = postgresql if self._db.backend == "postgresql" else sqlite
                await conn.execute(
                    dialect.insert(contacts)
                    .values(
                        channel=channel,
                        user_ref=user,
                        last_inbound_at=now - timedelta(days=365),
                        unreachable=reason[:200],
                        unreachable_at=now,
                    )
                    .on_conflict_do_nothing()
                )

    async def mark_reachable(self, channel: str, user: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                update(contacts)
                .where(and_(contacts.c.channel == channel, contacts.c.user_ref == user))
                .values(unreachable=None, unreachable_at=None)
            )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
