"""The webhook side of the queue: record, enqueue, wake the worker — nothing more.

Webhooks that arrive together are written together: ``accept`` adds its messages to the
next batch and waits until that batch is committed (group commit), so a platform's 200
always means "recorded", and a busy minute costs one short transaction per batch rather
than one per request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bots.channel import Received
from flows.messages import Inbound
from flows.store.queue import SqlContacts, SqlQueue

log = logging.getLogger(__name__)

MAX_BATCH = 500


class QueueIntake:
    """:class:`bots.channel.Intake` on the conversation queue."""

    def __init__(self, queue: SqlQueue, contacts: SqlContacts, wake: asyncio.Event) -> None:
        self._queue = queue
        self._contacts = contacts
        self._wake = wake
        self._waiting: list[tuple[list[tuple[Inbound, dict[str, str]]], asyncio.Future[int]]]
        self._waiting = []
        self._writer: asyncio.Task[None] | None = None

    async def accept(self, received: Sequence[Received]) -> int:
        if not received:
            return 0
        done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append(([(r.inbound, r.fetch) for r in received], done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await asyncio.shield(done)

    async def _write(self) -> None:
        """Write what waits, batch after batch, until nothing does."""
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            items = [item for items, _ in batch for item in items]
            try:
                new = await self._queue.add(items)
            except Exception as exc:  # each waiting webhook answers with the error
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(new)  # new in the batch: what the wake-up needs
            if new:
                self._wake.set()

    async def event(self, channel: str, user: str, kind: str, detail: str = "") -> None:
        if kind == "unsubscribed":
            await self._contacts.mark_unreachable(channel, user, "unsubscribed")
        elif kind == "subscribed":
            await self._contacts.mark_reachable(channel, user)
        elif kind == "failed":
            # The platform could not deliver a message it had accepted: staff see it in the
            # logs by channel and code; the reply itself was already marked sent.
            log.warning("platform reported a failed delivery: %s %s", channel, detail[:100])
