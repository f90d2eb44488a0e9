"""The conversation store on Redis (when ``TELLER_REDIS_URL`` is set).

Redis holds what a turn needs fast: the per-conversation lock (``SET NX PX`` with a token,
released only by its holder), the state with its expiry, and the ids of handled messages.
A turn's results — state, the seen message id, and an *outbox entry* with its replies and
transcript lines — are written in one ``MULTI``/``EXEC``, so they happen together or not at
all. A relay then copies each outbox entry into the SQL outbox and transcript (and the
conversation's row, which staff tools read), once per entry id; it runs right after each
turn and in the background, so an entry written just before a crash is relayed later.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from flows.ports import Loaded, Record, Transactions
from flows.store.queue import mark_done
from flows.store.schema import conversations, inbound
from flows.store.sql import (
    SqlConversationStore,
    _enqueue,
    conversation_row,
    write_transcript,
)

log = logging.getLogger(__name__)

PREFIX = "teller:flows:"
LOCK_MS = 30_000  # longer than any turn; a crashed holder's lock lapses by itself
SEEN_TTL = timedelta(days=7)
LANGUAGE_TTL = timedelta(days=365)
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class LockTimeout(RuntimeError):
    """The conversation stayed locked longer than a turn can take."""


class RedisConversationStore:
    def __init__(
        self,
        redis: Redis,
        db: Transactions,
        now: Callable[[], datetime],
        *,
        lock_wait: float = 30.0,
        prefix: str = PREFIX,
    ) -> None:
        self._prefix = prefix
        self._redis = redis
        self._db = db
        self._now = now
        self._lock_wait = lock_wait
        self._sql = SqlConversationStore(db, now)  # transcripts, staff reads

    def _key(self, kind: str, channel: str, user: str) -> str:
        return f"{self._prefix}{kind}:{channel}:{user}"

    @asynccontextmanager
    async def turn(self, channel: str, user: str, message_id: str | None) -> AsyncIterator[Loaded]:
        lock = self._key("lock", channel, user)
        token = secrets.token_hex(16)
        waited = 0.0
        pause = 0.002
        while not await self._redis.set(lock, token, nx=True, px=LOCK_MS):
            if waited >= self._lock_wait:
                raise LockTimeout(f"conversation {channel}:{user} stayed locked")
            await asyncio.sleep(pause)
            waited += pause
            pause = min(pause * 2, 0.05)
        try:
            yield await self._load(channel, user, message_id)
        finally:
            await self._redis.eval(_RELEASE, 1, lock, token)

    async def _load(self, channel: str, user: str, message_id: str | None) -> Loaded:
        state_key = self._key("state", channel, user)
        seen_key = self._key("seen", channel, message_id or "")
        raw, seen, language = await self._redis.mget(
            state_key, seen_key, self._key("language", channel, user)
        )
        duplicate = message_id is not None and seen is not None
        if raw is None:
            state: dict[str, Any] = {}
            if language is not None:
                # Expired: start afresh, in the language the customer chose.
                chosen = language.decode() if isinstance(language, bytes) else str(language)
                state = {"language": chosen, "language_chosen": True, "expired": True}
            return Loaded(channel, user, state, 0, duplicate)
        stored = json.loads(raw)
        return Loaded(channel, user, stored["state"], int(stored["version"]), duplicate)

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
        ttl = max(1, int((expires_at - now).total_seconds()))
        version = loaded.version + 1
        entry = {
            "id": uuid.uuid4().hex,
            "channel": loaded.channel,
            "user": loaded.user,
            "state": loaded.state,
            "version": version,
            "expires_at": expires_at.isoformat(),
            "replies": replies,
            "delivered": delivered,
            "records": [
                {"direction": r.direction, "body": r.body, "at": r.at.isoformat()} for r in records
            ],
        }
        state_key = self._key("state", loaded.channel, loaded.user)
        async with self._redis.pipeline(transaction=True) as tx:
            tx.set(state_key, json.dumps({"state": loaded.state, "version": version}), ex=ttl)
            language = loaded.state.get("language")
            if language and loaded.state.get("language_chosen"):
                tx.set(
                    self._key("language", loaded.channel, loaded.user),
                    str(language),
                    ex=int(LANGUAGE_TTL.total_seconds()),
                )
            if message_id is not None:
                tx.set(
                    self._key("seen", loaded.channel, message_id),
                    "1",
                    ex=int(SEEN_TTL.total_seconds()),
                )
            tx.rpush(f"{self._prefix}outbox", json.dumps(entry, ensure_ascii=False))
            await tx.execute()
        loaded.version = version
        if done is not None:  # the queue is in SQL: marked after the state is in Redis
            async with self._db.transaction() as conn:
                await mark_done(conn, done, now)
        return await self.relay()

    async def relay(self, limit: int = 100) -> list[int]:
        """Copy waiting outbox entries into SQL, each once; the outbox ids written."""
        ids: list[int] = []
        source, working = f"{self._prefix}outbox", f"{self._prefix}outbox:relaying"
        for _ in range(limit):
            raw = await self._redis.lmove(source, working, "LEFT", "RIGHT")
            if raw is None:
                break
            try:
                ids += await self._write(json.loads(raw))
            except Exception:
                # Put it back for the next round; a broken database must not lose replies.
                await self._redis.lmove(working, source, "RIGHT", "LEFT")
                raise
            await self._redis.lrem(working, 1, raw)  # type: ignore[arg-type]
        return ids

    async def relay_forever(self, stop: asyncio.Event, every: float = 1.0) -> None:
        """Relay what a crashed turn left behind, until ``stop``."""
        await self.recover()
        while not stop.is_set():
            try:
                await self.relay()
            except Exception:
                log.exception("relaying conversation outbox entries failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
            except TimeoutError:
                continue

    async def recover(self) -> None:
        """After a crash: entries caught between the two lists go back to be relayed."""
        working = f"{self._prefix}outbox:relaying"
        while await self._redis.lmove(working, f"{self._prefix}outbox", "RIGHT", "LEFT"):
            pass

    async def _write(self, entry: dict[str, Any]) -> list[int]:
        now = self._now()
        channel, user = entry["channel"], entry["user"]
        state = entry["state"]
        values = {
            **conversation_row(state, now, datetime.fromisoformat(entry["expires_at"])),
            "version": int(entry["version"]),
        }
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    insert(inbound).values(
                        channel="redis-outbox", message_id=entry["id"], received_at=now
                    )
                )
                ids = await _enqueue(
                    conn, channel, user, entry["replies"], now, bool(entry["delivered"]), state
                )
                records = [
                    Record(r["direction"], r["body"], datetime.fromisoformat(r["at"]))
                    for r in entry["records"]
                ]
                await write_transcript(conn, channel, user, records)
                # The conversation's row: what staff tools read (the queue, the state).
                found = (
                    await conn.execute(
                        select(conversations.c.version).where(
                            and_(
                                conversations.c.channel == channel,
                                conversations.c.user_ref == user,
                            )
                        )
                    )
                ).first()
                if found is None:
                    await conn.execute(
                        insert(conversations).values(channel=channel, user_ref=user, **values)
                    )
                elif found.version < values["version"]:
                    await conn.execute(
                        update(conversations)
                        .where(
                            and_(
                                conversations.c.channel == channel,
                                conversations.c.user_ref == user,
                            )
                        )
                        .values(**values)
                    )
        except IntegrityError:
            return []  # relayed before: the entry id is recorded
        return ids

    async def load(self, channel: str, user: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._key("state", channel, user))
        if raw is None:
            return await self._sql.load(channel, user)
        return dict(json.loads(raw)["state"])

    async def transcript(self, channel: str, user: str, limit: int = 200) -> list[Record]:
        return await self._sql.transcript(channel, user, limit)
