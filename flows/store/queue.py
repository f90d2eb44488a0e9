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
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from flows.messages import Inbound, inbound_from_dict, inbound_to_dict
from flows.ports import Transactions
from flows.store.schema import contacts, inbound, queue


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

    async def add(self, items: Sequence[tuple[Inbound, dict[str, str]]]) -> list[bool]:
        """Queue the messages not seen before, in one transaction; for each, whether it
        was new. The people who wrote are marked as having written now (their reply
        windows open). Multi-row statements: webhooks arriving together are written
        together (see ``bots.pipeline.intake``)."""
        if not items:
            return []
        now = self._now()
        async with self._db.transaction() as conn:
            handled: set[tuple[str, str]] = set()
            for channel in {m.channel for m, _ in items}:
                ids = [m.message_id for m, _ in items if m.channel == channel]
                rows = await conn.execute(
                    select(inbound.c.message_id).where(
                        and_(inbound.c.channel == channel, inbound.c.message_id.in_(ids))
                    )
                )
                handled.update((channel, r.message_id) for r in rows)
            fresh: dict[tuple[str, str], dict[str, Any]] = {}
            for msg, fetch in items:
                key = (msg.channel, msg.message_id)
                if key in handled or key in fresh:
                    continue
                fresh[key] = {
                    "channel": msg.channel,
                    "user_ref": msg.user,
                    "message_id": msg.message_id,
                    "body": json.dumps({"inbound": inbound_to_dict(msg), "fetch": fetch}),
                    "received_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            added: set[tuple[str, str]] = set()
            if fresh:
                done = await conn.execute(
                    self._insert(queue)
                    .values(list(fresh.values()))
                    .on_conflict_do_nothing()
                    .returning(queue.c.channel, queue.c.message_id)
                )
                added = {(r.channel, r.message_id) for r in done}
            people = sorted({(m.channel, m.user) for m, _ in items})
            await touch(conn, self._insert, people, now)
        # The first of several copies in one batch counts as the new one.
        counted: set[tuple[str, str]] = set()
        result = []
        for msg, _ in items:
            key = (msg.channel, msg.message_id)
            result.append(key in added and key not in counted)
            counted.add(key)
        return result

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self._db.backend == "postgresql" else sqlite
        return dialect.insert(table)

    async def heads(self, limit: int = 500) -> list[Head]:
        """Conversations whose oldest queued message is due, oldest first."""
        now = self._now()
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(queue.c.id, queue.c.channel, queue.c.user_ref, queue.c.next_attempt_at)
                    .order_by(queue.c.id)
                    .limit(limit)
                )
            ).all()
        seen: set[tuple[str, str]] = set()
        heads: list[Head] = []
        for row in rows:
            key = (row.channel, row.user_ref)
            if key in seen:
                continue
            seen.add(key)
            if _aware(row.next_attempt_at) <= now:
                heads.append(Head(row.channel, row.user_ref, row.id))
        return heads

    async def earliest(self, channel: str, user: str) -> Queued | None:
        """The conversation's oldest queued message (due or not)."""
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(queue.c.id, queue.c.body, queue.c.attempts, queue.c.next_attempt_at)
                    .where(and_(queue.c.channel == channel, queue.c.user_ref == user))
                    .order_by(queue.c.id)
                    .limit(1)
                )
            ).first()
        if row is None:
            return None
        body = json.loads(row.body)
        return Queued(
            row.id,
            inbound_from_dict(body["inbound"]),
            dict(body.get("fetch", {})),
            row.attempts,
            _aware(row.next_attempt_at) <= self._now(),
        )

    async def queued(self, item_id: int) -> bool:
        async with self._db.read() as conn:
            found = await conn.execute(select(queue.c.id).where(queue.c.id == item_id))
            return found.first() is not None

    async def done(self, item_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(delete(queue).where(queue.c.id == item_id))

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
            return int((await conn.execute(select(func.count()).select_from(queue))).scalar_one())


async def touch(
    conn: AsyncConnection, insert: Any, people: Sequence[tuple[str, str]], at: datetime
) -> None:
    """These people wrote at ``at``: their reply windows open and they are reachable."""
    if not people:
        return
    statement = insert(contacts).values(
        [
            {
                "channel": channel,
                "user_ref": user,
                "last_inbound_at": at,
                "unreachable": None,
                "unreachable_at": None,
            }
            for channel, user in people
        ]
    )
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=[contacts.c.channel, contacts.c.user_ref],
            set_={"last_inbound_at": at, "unreachable": None, "unreachable_at": None},
        )
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
            row = (
                await conn.execute(
                    select(contacts.c.last_inbound_at, contacts.c.unreachable).where(
                        and_(contacts.c.channel == channel, contacts.c.user_ref == user)
                    )
                )
            ).first()
        return None if row is None else Contact(_aware(row.last_inbound_at), row.unreachable)

    async def window_open(self, channel: str, user: str, hours: int | None) -> bool:
        """Whether a free-form message may be sent: always on channels with no window."""
        if hours is None:
            return True
        contact = await self.get(channel, user)
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
