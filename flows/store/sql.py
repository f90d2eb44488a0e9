"""The conversation store on SQL: SQLite in the embedded default, PostgreSQL scaled.

The per-conversation lock is taken before the state is read and held for the whole turn:
on PostgreSQL a transaction-scoped advisory lock on a connection of its own (so several
``teller serve`` and ``teller worker`` processes take turns); on SQLite, which serves one
process, an asyncio lock per conversation, and no connection is held across the turn (the
turn's reads are short transactions of their own). The bank is called during the turn in its own
transactions; the turn's results — state, outbox replies, transcript and the message id
that makes a redelivery a no-op — are written together in one short transaction at the end.
A crash before that write leaves the message unprocessed; its retry repeats the bank calls
with the idempotency keys kept in state, so no money moves twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, bindparam, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from flows.messages import LANGUAGE, UNPROMPTED
from flows.ports import Credentials, Loaded, Media, Record, Transactions
from flows.store import schema
from flows.store.queue import Queued, earliest_in, mark_done
from flows.store.schema import conversations, inbound, outbox, transcript

MEDIA_TTL = timedelta(days=7)


class StaleState(RuntimeError):
    """The state changed under a held lock: a bug, never a customer's problem."""


class SqlConversationStore:
    def __init__(self, db: Transactions, now: Any) -> None:
        self._db = db
        self._now = now
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @asynccontextmanager
    async def turn(self, channel: str, user: str, message_id: str | None) -> AsyncIterator[Loaded]:
        async with self._locked(channel, user) as held:
            async with self._reading(held) as conn:
                loaded = await self._load(conn, channel, user, message_id)
            yield loaded  # on SQLite the read is over by now; the lock is still held

    @asynccontextmanager
    async def queued_turn(
        self, channel: str, user: str
    ) -> AsyncIterator[tuple[Queued, Loaded] | None]:
        """Lock the conversation, then read its oldest queued message and its state
        together; None when nothing is queued or the oldest message is not due yet.

        What is read under the lock stays true until the block ends: a queued message is
        only marked done (``save(done=…)``) or put off under this lock, so there is no need
        to check again that it is still waiting."""
        async with self._locked(channel, user) as held:
            async with self._reading(held) as conn:
                item = await earliest_in(conn, channel, user, self._now())
                loaded = None
                if item is not None and item.due:
                    loaded = await self._load(conn, channel, user, item.inbound.message_id)
            yield None if item is None or loaded is None else (item, loaded)

    @asynccontextmanager
    async def _locked(self, channel: str, user: str) -> AsyncIterator[AsyncConnection | None]:
        """The conversation's lock: on PostgreSQL an advisory lock in a transaction of its
        own, whose connection is yielded (it must stay open for the whole turn); on SQLite,
        one process, an asyncio lock and no connection held: the turn's reads are short
        transactions, so a turn that waits (for a messenger, for the bank) holds nothing."""
        if self._db.backend == "postgresql":
            async with self._db.read() as conn:
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 7))"),
                    {"key": f"conversation:{channel}:{user}"},
                )
                yield conn
            return
        key = (channel, user)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        async with lock:
            yield None

    @asynccontextmanager
    async def _reading(self, held: AsyncConnection | None) -> AsyncIterator[AsyncConnection]:
        if held is not None:
            yield held
            return
        async with self._db.read() as conn:
            yield conn

    async def _load(
        self, conn: AsyncConnection, channel: str, user: str, message_id: str | None
    ) -> Loaded:
        duplicate = False
        keys = {"channel": channel, "user": user}
        if message_id is not None:
            seen = await conn.execute(_SEEN, {"channel": channel, "message_id": message_id})
            duplicate = seen.first() is not None
        linked = (await conn.execute(_CUSTOMER_OF, keys)).first()
        customer = None if linked is None else UUID(linked.customer_id)
        row = (await conn.execute(_STATE, keys)).first()
        if row is None:
            return Loaded(channel, user, {}, 0, duplicate, customer, customer_read=True)
        state = json.loads(row.state)
        if _aware(row.expires_at) <= self._now():
            # An expired conversation starts afresh but keeps who the customer is and how
            # they like to be spoken to.
            state = {k: state[k] for k in ("language", "language_chosen") if k in state}
            state["expired"] = True
        return Loaded(channel, user, state, row.version, duplicate, customer, customer_read=True)

    async def save(
        self,
        loaded: Loaded,
        message_id: str | None,
        replies: list[dict[str, Any]],
        records: list[Record],
        expires_at: datetime,
        *,
        delivered: bool = False,
        done: int | None = None,
    ) -> list[int]:
        now = self._now()
        values = conversation_row(loaded.state, now, expires_at)
        async with self._db.transaction() as conn:
            if message_id is not None:
                seen = await conn.execute(
                    _REMEMBER[self._db.backend],
                    {"channel": loaded.channel, "message_id": message_id, "received_at": now},
                )
                if seen.rowcount != 1:
                    raise StaleState("the message was handled by another turn")
            if loaded.version == 0:
                await conn.execute(
                    insert(conversations).values(
                        channel=loaded.channel, user_ref=loaded.user, version=1, **values
                    )
                )
            else:
                changed = await conn.execute(
                    _UPDATE_STATE,
                    {
                        "b_channel": loaded.channel,
                        "b_user": loaded.user,
                        "b_version": loaded.version,
                        "version": loaded.version + 1,
                        **values,
                    },
                )
                if changed.rowcount != 1:
                    raise StaleState("the conversation changed under its lock")
            loaded.version += 1
            ids = await _enqueue(
                conn, loaded.channel, loaded.user, replies, now, delivered, loaded.state
            )
            await write_transcript(conn, loaded.channel, loaded.user, records)
            if done is not None:
                await mark_done(conn, done, now)
        return ids

    async def load(self, channel: str, user: str) -> dict[str, Any] | None:
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(conversations.c.state).where(
                        and_(conversations.c.channel == channel, conversations.c.user_ref == user)
                    )
                )
            ).first()
        return None if row is None else dict(json.loads(row.state))

    async def transcript(self, channel: str, user: str, limit: int = 200) -> list[Record]:
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(transcript.c.direction, transcript.c.body, transcript.c.at)
                    .where(and_(transcript.c.channel == channel, transcript.c.user_ref == user))
                    .order_by(transcript.c.id.desc())
                    .limit(limit)
                )
            ).all()
        return [Record(r.direction, json.loads(r.body), _aware(r.at)) for r in reversed(rows)]


def conversation_row(state: dict[str, Any], now: datetime, expires_at: datetime) -> dict[str, Any]:
    """The conversation's row as staff tools read it (the handoff queue, the state)."""
    handoff = state.get("handoff", {})
    since = handoff.get("since")
    return {
        "state": json.dumps(state, separators=(",", ":")),
        "customer_id": state.get("customer_id"),
        "handoff": handoff.get("state", "bot"),
        "handoff_since": datetime.fromisoformat(since) if since else None,
        "updated_at": now,
        "expires_at": expires_at,
    }


async def write_transcript(
    conn: AsyncConnection, channel: str, user: str, records: list[Record]
) -> None:
    if records:
        await conn.execute(
            insert(transcript),
            [
                {
                    "channel": channel,
                    "user_ref": user,
                    "direction": r.direction,
                    "body": json.dumps(r.body, ensure_ascii=False),
                    "at": r.at,
                }
                for r in records
            ],
        )


async def _enqueue(
    conn: AsyncConnection,
    channel: str,
    user: str,
    replies: list[dict[str, Any]],
    now: datetime,
    delivered: bool = False,
    state: dict[str, Any] | None = None,
) -> list[int]:
    """Replies into the outbox; ``delivered`` ones were handed to the channel in the
    response to the customer's own request (the web chat, the console). A turn's replies
    carry the language of its ``state``."""
    language = (state or {}).get("language")
    if isinstance(language, str):
        replies = [{**r, LANGUAGE: language} for r in replies]
    ids: list[int] = []
    for reply in replies:  # one by one: the ids keep the order of delivery
        result = await conn.execute(
            _INSERT_REPLY,
            {
                "channel": channel,
                "user_ref": user,
                "reply": json.dumps(reply, ensure_ascii=False),
                "status": "sent" if delivered else "pending",
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                "delivered_at": now if delivered else None,
            },
        )
        ids.append(int(result.scalar_one()))
    return ids


# Statements on every message's path are built once: building one costs more than SQLite
# takes to run it (each is compiled once either way, by SQLAlchemy's cache).
_SEEN = select(inbound.c.message_id).where(
    inbound.c.channel == bindparam("channel"), inbound.c.message_id == bindparam("message_id")
)
_CUSTOMER_OF = select(schema.identities.c.customer_id).where(
    schema.identities.c.channel == bindparam("channel"),
    schema.identities.c.user_ref == bindparam("user"),
)
_STATE = select(conversations.c.state, conversations.c.version, conversations.c.expires_at).where(
    conversations.c.channel == bindparam("channel"), conversations.c.user_ref == bindparam("user")
)
# The columns an INSERT or UPDATE sets are the parameters' names that are columns.
# ON CONFLICT rather than a savepoint around a failing insert: two statements fewer.
_REMEMBER = {
    "sqlite": sqlite.insert(inbound).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(inbound).on_conflict_do_nothing(),
}
_UPDATE_STATE = update(conversations).where(
    conversations.c.channel == bindparam("b_channel"),
    conversations.c.user_ref == bindparam("b_user"),
    conversations.c.version == bindparam("b_version"),
)
_INSERT_REPLY = insert(outbox).returning(outbox.c.id)
_CLAIM = (
    update(outbox)
    .where(
        outbox.c.id.in_(bindparam("ids", expanding=True)),
        outbox.c.status == "pending",
        outbox.c.next_attempt_at <= bindparam("now"),
    )
    .values(next_attempt_at=bindparam("until"))
)
_MARK_SENT = (
    update(outbox)
    .where(outbox.c.id.in_(bindparam("ids", expanding=True)), outbox.c.status == "pending")
    .values(status="sent", delivered_at=bindparam("at"))
)


@cache
def _due(limit: int) -> Select[tuple[int, str, str, str, int, datetime]]:
    """The oldest pending replies on ``:channels``, oldest first."""
    return (
        select(
            outbox.c.id,
            outbox.c.channel,
            outbox.c.user_ref,
            outbox.c.reply,
            outbox.c.attempts,
            outbox.c.next_attempt_at,
        )
        .where(
            outbox.c.status == "pending",
            outbox.c.channel.in_(bindparam("channels", expanding=True)),
        )
        .order_by(outbox.c.id)
        .limit(limit)
    )


@dataclass(frozen=True, slots=True)
class Pending:
    """A reply waiting for delivery."""

    id: int
    reply: dict[str, Any]
    attempts: int


class _Taken(Exception):
    """Another worker claimed some of the replies first."""


class SqlOutbox:
    """Replies waiting for delivery, in order per conversation."""

    def __init__(self, db: Transactions, now: Any) -> None:
        self._db = db
        self._now = now
        self.on_added: Callable[[], None] | None = None  # wakes the delivery

    async def add(
        self,
        channel: str,
        user: str,
        replies: list[dict[str, Any]],
        *,
        dedupe: str | None = None,
    ) -> list[int]:
        """Replies that no customer message produced: notifications, agents' answers.
        They are marked unprompted (channels that tell answers from updates say so).

        With ``dedupe``, a second call with the same key adds nothing (returns [])."""
        replies = [{**r, UNPROMPTED: True} for r in replies]
        try:
            async with self._db.transaction() as conn:
                if dedupe is not None:
                    await conn.execute(
                        insert(inbound).values(
                            channel="notification",
                            message_id=hashlib.sha256(dedupe.encode()).hexdigest(),
                            received_at=self._now(),
                        )
                    )
                ids = await _enqueue(conn, channel, user, replies, self._now())
        except IntegrityError:
            return []
        if ids and self.on_added is not None:
            self.on_added()
        return ids

    async def pending(
        self, channel: str, user: str | None = None, limit: int = 100
    ) -> list[tuple[int, str, dict[str, Any]]]:
        query = select(outbox.c.id, outbox.c.user_ref, outbox.c.reply).where(
            and_(
                outbox.c.channel == channel,
                outbox.c.status == "pending",
                outbox.c.next_attempt_at <= self._now(),
            )
        )
        if user is not None:
            query = query.where(outbox.c.user_ref == user)
        async with self._db.read() as conn:
            rows = (await conn.execute(query.order_by(outbox.c.id).limit(limit))).all()
        return [(r.id, r.user_ref, json.loads(r.reply)) for r in rows]

    async def mark_sent(self, ids: list[int]) -> None:
        if not ids:
            return
        async with self._db.transaction() as conn:
            await conn.execute(_MARK_SENT, {"ids": ids, "at": self._now()})

    async def mark_failed(self, outbox_id: int, error: str, *, retry_in: float | None) -> None:
        """A failed delivery: retried after ``retry_in`` seconds, or given up when None."""
        async with self._db.transaction() as conn:
            values: dict[str, Any] = {"attempts": outbox.c.attempts + 1, "error": error[:200]}
            if retry_in is None:
                values["status"] = "failed"
            else:
                values["next_attempt_at"] = self._now() + timedelta(seconds=retry_in)
            await conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))

    async def due_batches(
        self, channels: Sequence[str], limit: int = 500
    ) -> list[tuple[str, str, list[Pending]]]:
        """Per conversation, the replies that may go now: the oldest pending reply must be
        due (a reply waiting for a retry holds back the later ones, so order is kept), and
        the batch runs up to the first one that is not due."""
        if not channels:
            return []
        now = self._now()
        async with self._db.read() as conn:
            rows = (await conn.execute(_due(limit), {"channels": list(channels)})).all()
        batches: dict[tuple[str, str], list[Pending]] = {}
        closed: set[tuple[str, str]] = set()
        for row in rows:
            key = (row.channel, row.user_ref)
            if key in closed:
                continue
            if _aware(row.next_attempt_at) > now:
                closed.add(key)
                continue
            batches.setdefault(key, []).append(
                Pending(row.id, json.loads(row.reply), row.attempts)
            )
        return [(channel, user, batch) for (channel, user), batch in batches.items()]

    async def claim(self, ids: Sequence[int], lease: float) -> bool:
        """Take ``ids`` for delivery for ``lease`` seconds, all or none: False when another
        worker took any of them first. A crashed worker's claim lapses with its lease."""
        now = self._now()
        try:
            async with self._db.transaction() as conn:
                done = await conn.execute(
                    _CLAIM, {"ids": list(ids), "now": now, "until": now + timedelta(seconds=lease)}
                )
                if done.rowcount != len(ids):
                    raise _Taken
        except _Taken:
            return False
        return True

    async def claim_batches(self, batches: Sequence[Sequence[int]], lease: float) -> list[bool]:
        """``claim`` for several conversations' batches in one transaction: each batch is
        taken all or none (a batch another worker took part of is left to it); returns
        whether each was taken."""
        if len(batches) == 1:
            return [await self.claim(batches[0], lease)]
        now = self._now()
        wanted = [i for batch in batches for i in batch]
        async with self._db.transaction() as conn:
            taken = {
                row.id
                for row in await conn.execute(
                    update(outbox)
                    .where(
                        and_(
                            outbox.c.id.in_(wanted),
                            outbox.c.status == "pending",
                            outbox.c.next_attempt_at <= now,
                        )
                    )
                    .values(next_attempt_at=now + timedelta(seconds=lease))
                    .returning(outbox.c.id)
                )
            }
            claimed = [all(i in taken for i in batch) for batch in batches]
            partial = [
                i for batch, ok in zip(batches, claimed, strict=True) if not ok for i in batch
            ]
            back = [i for i in partial if i in taken]
            if back:  # due again, as they were: all or none per conversation
                await conn.execute(
                    update(outbox).where(outbox.c.id.in_(back)).values(next_attempt_at=now)
                )
        return claimed

    async def release(self, ids: Sequence[int]) -> None:
        """Claimed replies not attempted: due again (behind any that wait for a retry)."""
        if not ids:
            return
        async with self._db.transaction() as conn:
            await conn.execute(
                update(outbox)
                .where(and_(outbox.c.id.in_(list(ids)), outbox.c.status == "pending"))
                .values(next_attempt_at=self._now())
            )

    async def failures(self, channel: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Replies given up on, newest first: for staff and ``teller doctor``."""
        query = select(
            outbox.c.id,
            outbox.c.channel,
            outbox.c.user_ref,
            outbox.c.attempts,
            outbox.c.error,
            outbox.c.created_at,
        ).where(outbox.c.status == "failed")
        if channel is not None:
            query = query.where(outbox.c.channel == channel)
        async with self._db.read() as conn:
            rows = (await conn.execute(query.order_by(outbox.c.id.desc()).limit(limit))).all()
        return [
            {
                "id": r.id,
                "channel": r.channel,
                "user": r.user_ref,
                "attempts": r.attempts,
                "error": r.error,
                "created_at": _aware(r.created_at).isoformat(),
            }
            for r in rows
        ]

    async def status(self, outbox_id: int) -> str | None:
        async with self._db.read() as conn:
            row = (
                await conn.execute(select(outbox.c.status).where(outbox.c.id == outbox_id))
            ).first()
        return None if row is None else str(row.status)


class SqlMediaStore:
    def __init__(self, db: Transactions, now: Any) -> None:
        self._db = db
        self._now = now

    async def put(self, data: bytes, content_type: str, filename: str) -> str:
        media_id = secrets.token_urlsafe(24)
        now = self._now()
        async with self._db.transaction() as conn:
            await conn.execute(
                insert(schema.media).values(
                    id=media_id,
                    content_type=content_type,
                    filename=filename,
                    data=data,
                    created_at=now,
                    expires_at=now + MEDIA_TTL,
                )
            )
        return media_id

    async def get(self, media_id: str) -> Media | None:
        async with self._db.read() as conn:
            row = (
                await conn.execute(select(schema.media).where(schema.media.c.id == media_id))
            ).first()
        if row is None or _aware(row.expires_at) <= self._now():
            return None
        return Media(row.id, row.content_type, row.filename, bytes(row.data))

    async def delete(self, media_id: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(delete(schema.media).where(schema.media.c.id == media_id))

    async def purge(self) -> int:
        async with self._db.transaction() as conn:
            done = await conn.execute(
                delete(schema.media).where(schema.media.c.expires_at <= self._now())
            )
        return int(done.rowcount or 0)


class SqlIdentityStore:
    def __init__(self, db: Transactions, now: Any) -> None:
        self._db = db
        self._now = now

    async def customer_of(self, channel: str, user: str) -> UUID | None:
        ids = schema.identities
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(ids.c.customer_id).where(
                        and_(ids.c.channel == channel, ids.c.user_ref == user)
                    )
                )
            ).first()
        return None if row is None else UUID(row.customer_id)

    async def link(self, channel: str, user: str, customer_id: UUID) -> None:
        ids = schema.identities
        async with self._db.transaction() as conn:
            await conn.execute(
                delete(ids).where(and_(ids.c.channel == channel, ids.c.user_ref == user))
            )
            await conn.execute(
                insert(ids).values(
                    channel=channel,
                    user_ref=user,
                    customer_id=str(customer_id),
                    linked_at=self._now(),
                )
            )

    async def identities_of(self, customer_id: UUID) -> list[tuple[str, str]]:
        ids = schema.identities
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(ids.c.channel, ids.c.user_ref)
                    .where(ids.c.customer_id == str(customer_id))
                    .order_by(ids.c.linked_at)
                )
            ).all()
        return [(r.channel, r.user_ref) for r in rows]


class SqlCredentialStore:
    """Passcode hashes and TOTP secrets; the secrets are sealed by ``seal``/``unseal``."""

    def __init__(self, db: Transactions, now: Any, sealer: Any) -> None:
        self._db = db
        self._now = now
        self._sealer = sealer

    async def get(self, customer_id: UUID) -> Credentials | None:
        table = schema.credentials
        async with self._db.read() as conn:
            row = (
                await conn.execute(select(table).where(table.c.customer_id == str(customer_id)))
            ).first()
        if row is None:
            return None
        secret = self._sealer.unseal(row.totp_secret) if row.totp_secret else None
        return Credentials(customer_id, row.passcode_hash, secret)

    async def set_passcode(self, customer_id: UUID, passcode_hash: str) -> None:
        await self._upsert(customer_id, passcode_hash=passcode_hash)

    async def set_totp(self, customer_id: UUID, secret: str | None) -> None:
        await self._upsert(
            customer_id, totp_secret=None if secret is None else self._sealer.seal(secret)
        )

    async def _upsert(self, customer_id: UUID, **values: Any) -> None:
        table = schema.credentials
        async with self._db.transaction() as conn:
            done = await conn.execute(
                update(table)
                .where(table.c.customer_id == str(customer_id))
                .values(updated_at=self._now(), **values)
            )
            if done.rowcount == 0:
                await conn.execute(
                    insert(table).values(
                        customer_id=str(customer_id), updated_at=self._now(), **values
                    )
                )


class SqlSecureLinks:
    """Single use of secure-page links: the first use records the link's id."""

    def __init__(self, db: Transactions, now: Any) -> None:
        self._db = db
        self._now = now

    async def use(self, link_id: str) -> bool:
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    insert(schema.secure_links).values(id=link_id, used_at=self._now())
                )
        except IntegrityError:
            return False
        return True


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
