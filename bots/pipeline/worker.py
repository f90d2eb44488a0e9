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
import functools
import logging
import time
from collections.abc import Mapping

from bots.channel import ChannelAdapter, PrepareError, Received
from flows.messages import Inbound, Kind
from flows.service import Conversations, RetryLater
from flows.store.queue import Queued

log = logging.getLogger(__name__)

MAX_PREPARE_ATTEMPTS = 5
PURGE_EVERY = 3600.0  # seconds between forgetting week-old handled messages


def retry_delay(attempts: int) -> float:
    """1, 2, 4, 8 … seconds, at most a minute."""
    return float(min(60, 2**attempts))


class InboundWorker:
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
        self._conversations = conversations
        self._queue = conversations.queue
        self._adapters = adapters
        self._wake = wake
        self._poll = poll
        self._slots = asyncio.Semaphore(concurrency)
        self._active: dict[tuple[str, str], asyncio.Task[None]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        purged = 0.0
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.round()
                if time.monotonic() - purged > PURGE_EVERY:
                    purged = time.monotonic()
                    await self._queue.purge()
            except Exception:
                log.exception("the inbound worker's round failed")  # next round retries
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait(stop), self._poll)
        for task in list(self._active.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _wait(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def round(self) -> int:
        """Start a task for each conversation with a due message; returns how many."""
        started = 0
        for head in await self._queue.heads():
            key = (head.channel, head.user)
            if key in self._active:
                continue
            task = asyncio.create_task(self._conversation(head.channel, head.user, head.id))
            self._active[key] = task
            task.add_done_callback(functools.partial(self._forget, key))
            started += 1
        return started

    def _forget(self, key: tuple[str, str], _task: asyncio.Task[None]) -> None:
        self._active.pop(key, None)

    async def drain(self) -> None:
        """Run rounds until nothing due is left (tests and benchmarks)."""
        while await self.round() or self._active:
            await asyncio.gather(*list(self._active.values()), return_exceptions=True)

    async def _conversation(self, channel: str, user: str, head: int) -> None:
        async with self._slots:
            try:
                await self._conversations.receive_queued(channel, user, self._prepare)
            except Exception:
                # A bug, not the customer's doing: the message waits a little rather than
                # failing again at once, round after round.
                log.exception("a queued conversation failed", extra={"channel": channel})
                with contextlib.suppress(Exception):
                    await self._queue.retry(head, 5.0, "the turn failed")
            # A message queued meanwhile for this conversation is picked up next round.
            self._wake.set()

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
