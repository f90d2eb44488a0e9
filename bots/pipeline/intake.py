"""The webhook side of the queue: record, enqueue, wake the worker — nothing more."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bots.channel import Received
from flows.store.queue import SqlContacts, SqlQueue

log = logging.getLogger(__name__)


class QueueIntake:
    """:class:`bots.channel.Intake` on the conversation queue.

    ``accept`` is one short transaction: the messages whose platform ids are new are
    queued, and the in-process worker is woken (workers in other processes poll).
    """

    def __init__(self, queue: SqlQueue, contacts: SqlContacts, wake: asyncio.Event) -> None:
        self._queue = queue
        self._contacts = contacts
        self._wake = wake

    async def accept(self, received: Sequence[Received]) -> int:
        added = await self._queue.add([(r.inbound, r.fetch) for r in received])
        if added:
            self._wake.set()
        return added

    async def event(self, channel: str, user: str, kind: str, detail: str = "") -> None:
        if kind == "unsubscribed":
            await self._contacts.mark_unreachable(channel, user, "unsubscribed")
        elif kind == "subscribed":
            await self._contacts.mark_reachable(channel, user)
        elif kind == "failed":
            # The platform could not deliver a message it had accepted: staff see it in the
            # logs by channel and code; the reply itself was already marked sent.
            log.warning("platform reported a failed delivery: %s %s", channel, detail[:100])
