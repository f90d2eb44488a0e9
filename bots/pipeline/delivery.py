"""Delivery: the outbox's replies to the messengers, in order, within the limits.

Each round takes, per conversation, the replies that may go now (``SqlOutbox.due_batches``),
claims them for a lease so that no other process sends them too, and sends them one by
one through the channel's adapter after fitting them to its capabilities. A reply that
fails for a while (5xx, timeout) is retried with back-off and holds back the later replies
to that person, so they never arrive out of order; ``retry_after`` from a 429 is honoured;
a permanent failure (blocked, 24-hour window closed) is recorded on the reply, with the
person marked unreachable when the platform says they are, and the next replies go on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bots.channel import ChannelAdapter, DeliveryError, Outgoing
from bots.pipeline.limits import Limiter
from bots.pipeline.rounds import Rounds
from flows.messages import degrade, is_unprompted, language_of_reply, reply_from_dict
from flows.store.queue import SqlContacts
from flows.store.sql import Pending, SqlOutbox

log = logging.getLogger(__name__)

LEASE_SECONDS = 120.0  # longer than a batch takes; a crashed worker's batch goes again after
UNREACHABLE = ("blocked", "unsubscribed", "not subscribed", "deactivated", "not found")


def backoff(attempts: int) -> float:
    """2, 4, 8 … seconds after the first failures, at most ten minutes."""
    return float(min(600, 2 ** (attempts + 1)))


class DeliveryWorker(Rounds):
    def __init__(
        self,
        outbox: SqlOutbox,
        contacts: SqlContacts,
        adapters: Mapping[str, ChannelAdapter],
        limiter: Limiter,
        wake: asyncio.Event,
        *,
        language_of: LanguageOf | None = None,
        max_attempts: int = 8,
        poll: float = 0.5,
        concurrency: int = 32,
    ) -> None:
        super().__init__(wake, poll, concurrency)
        self._outbox = outbox
        self._contacts = contacts
        self._adapters = adapters
        self._limiter = limiter
        self._language_of = language_of
        self._max_attempts = max_attempts

    async def round(self) -> int:
        due = [
            (channel, user, batch)
            for channel, user, batch in await self._outbox.due_batches(list(self._adapters))
            if not self.busy((channel, user))
        ]
        if not due:
            return 0
        # One transaction claims every conversation's batch (each all or none).
        claimed = await self._outbox.claim_batches(
            [[p.id for p in b] for _, _, b in due], LEASE_SECONDS
        )
        started = 0
        for (channel, user, batch), taken in zip(due, claimed, strict=True):
            if not taken:
                continue  # another process has them
            self.start((channel, user), self._deliver(channel, user, batch))
            started += 1
        return started

    async def _deliver(self, channel: str, user: str, batch: list[Pending]) -> None:
        try:
            await self._send_batch(self._adapters[channel], user, batch)
        except Exception:
            log.exception("delivery failed unexpectedly", extra={"channel": channel})
            await self._outbox.release([p.id for p in batch])

    async def _send_batch(self, adapter: ChannelAdapter, user: str, batch: list[Pending]) -> None:
        contact = await self._contacts.get(adapter.name, user)
        window = self._contacts.window_open_for(contact, adapter.window_hours)
        # For templates and the platform's own labels ("Choose"): the language the turn
        # wrote its replies in, or else (notifications) the conversation's.
        language = language_of_reply(batch[0].reply) if batch else None
        if language is None:
            language = "en"
            if self._language_of is not None:
                language = await self._language_of(adapter.name, user)
        unreachable = contact.unreachable if contact is not None else None
        for index, pending in enumerate(batch):
            if unreachable:
                await self._outbox.mark_failed(pending.id, unreachable, retry_in=None)
                continue
            try:
                reply = reply_from_dict(pending.reply)
                for part in degrade(reply, adapter.capabilities):
                    await self._limiter.wait(adapter.name, user, adapter.limits)
                    await adapter.send(
                        Outgoing(
                            user,
                            part,
                            pending.id,
                            window_open=window,
                            notification=is_unprompted(pending.reply),
                            language=language,
                        )
                    )
            except DeliveryError as exc:
                if await self._failed(adapter, user, pending, exc):
                    # Waiting for a retry: the later replies wait behind it.
                    await self._outbox.release([p.id for p in batch[index + 1 :]])
                    return
                if _unreachable(exc):
                    unreachable = exc.reason
                continue
            await self._outbox.mark_sent([pending.id])

    async def _failed(
        self, adapter: ChannelAdapter, user: str, pending: Pending, exc: DeliveryError
    ) -> bool:
        """Record a failed attempt; True when the reply will be retried."""
        attempts = pending.attempts + 1
        if exc.permanent or attempts >= self._max_attempts:
            reason = exc.reason if exc.permanent else f"gave up after {attempts}: {exc.reason}"
            log.warning("delivery failed for good: %s %s", adapter.name, reason)
            await self._outbox.mark_failed(pending.id, reason, retry_in=None)
            if _unreachable(exc):
                await self._contacts.mark_unreachable(adapter.name, user, exc.reason)
            return False
        delay = exc.retry_after if exc.retry_after is not None else backoff(pending.attempts)
        await self._outbox.mark_failed(pending.id, exc.reason, retry_in=delay)
        return True


class LanguageOf:
    """The language a person chose, for templates outside the reply window."""

    def __init__(self, load: Callable[[str, str], Awaitable[dict[str, Any] | None]]) -> None:
        self._load = load

    async def __call__(self, channel: str, user: str) -> str:
        state = await self._load(channel, user)
        language = (state or {}).get("language")
        return language if isinstance(language, str) else "en"


def _unreachable(exc: DeliveryError) -> bool:
    """The platform says this person cannot be reached at all (not just this reply)."""
    return exc.permanent and any(word in exc.reason.lower() for word in UNREACHABLE)
