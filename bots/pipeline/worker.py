"""The inbound worker: queued messages → conversation turns, per conversation in order.

Every ``teller serve`` (with jobs on) and every ``teller worker`` runs one. It looks for
conversations whose oldest queued message is due — at once when this process's webhook
queued something, else every ``poll`` seconds (other processes' webhooks) — and runs one
task per conversation that handles its messages one by one. Within a process a
conversation has at most one task; across processes the conversation's lock and the
"oldest first" rule of ``Conversations.receive_queued`` keep the order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping

from bots.channel import ChannelAdapter, PrepareError, Received
from bots.pipeline.rounds import Rounds
from flows.messages import Inbound, Kind
from flows.service import Conversations, RetryLater
from flows.store.queue import Queued

log = logging.getLogger(__name__)

MAX_PREPARE_ATTEMPTS = 5
PURGE_EVERY = 3600.0  # seconds between forgetting week-old handled messages


def retry_delay(attempts: int) -> float:
    """1, 2, 4, 8 … seconds, at most a minute."""
    return float(min(60, 2**attempts))


class InboundWorker(Rounds):
    def __init__(
        self,
        conversations: Conversations,
        adapters: Mapping[str, ChannelAdapter],
        wake: asyncio.Event,
        *,
        poll: float = 1.0,
        concurrency: int = 32,
    ) -> None:
        if conversations.queue is None:
            raise ValueError("the inbound worker needs a queue")
        super().__init__(wake, poll, concurrency)
        self._conversations = conversations
        self._queue = conversations.queue
        self._adapters = adapters
        self._purged = 0.0

    async def round(self) -> int:
        """Start a task for each conversation with a due message; returns how many."""
        started = 0
        for head in await self._queue.heads():
            key = (head.channel, head.user)
            if self.busy(key):
                continue
            self.start(key, self._conversation(head.channel, head.user, head.id))
            started += 1
        return started

    async def housekeeping(self) -> None:
        if time.monotonic() - self._purged > PURGE_EVERY:
            self._purged = time.monotonic()
            await self._queue.purge()

    async def _conversation(self, channel: str, user: str, head: int) -> None:
        try:
            await self._conversations.receive_queued(channel, user, self._prepare)
        except Exception:
            # A bug, not the customer's doing: the message waits a little rather than
            # failing again at once, round after round.
            log.exception("a queued conversation failed", extra={"channel": channel})
            with contextlib.suppress(Exception):
                await self._queue.retry(head, 5.0, "the turn failed")

    async def _prepare(self, item: Queued) -> Inbound:
        adapter = self._adapters.get(item.inbound.channel)
        if adapter is None:  # a channel switched off since: answer without its extras
            return item.inbound
        try:
            return await adapter.prepare(Received(item.inbound, item.fetch))
        except PrepareError as exc:
            if exc.permanent or item.attempts + 1 >= MAX_PREPARE_ATTEMPTS:
                log.warning("gave up fetching a message's file: %s", exc.reason)
                # The turn runs without the file: the flow asks for it again.
                return _without_attachment(item.inbound)
            raise RetryLater(exc.reason, retry_delay(item.attempts)) from exc


def _without_attachment(msg: Inbound) -> Inbound:
    if msg.kind in (Kind.IMAGE, Kind.DOCUMENT):
        return Inbound(
            msg.channel,
            msg.user,
            msg.message_id,
            Kind.TEXT,
            text="",
            locale=msg.locale,
            display_name=msg.display_name,
            at=msg.at,
        )
    return msg
