"""Conversations: one inbound message in, its replies in the outbox, atomically.

``receive`` is what every channel calls (webhook workers, the web chat, the console):
the conversation's lock is taken, its state loaded, a redelivered message ignored, the
engine run, and state, replies, transcript and the message id saved in one transaction.
The same object carries the handoff API agents use (claim, reply, release) and the
notifications the bank's events turn into.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.context import Services, Turn
from flows.engine import Engine
from flows.messages import HandoffNotice, Inbound, Kind, Reply, Text, reply_to_dict
from flows.notify import Notifier
from flows.ports import ConversationStore, Loaded, Record
from flows.reloading import Reloader
from flows.store.queue import Queued, SqlQueue
from flows.store.sql import SqlConversationStore, SqlOutbox

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Handled:
    replies: list[Reply]
    outbox_ids: list[int]


class RetryLater(Exception):
    """A queued message cannot be prepared yet (its file did not download): try again
    after ``delay`` seconds; the conversation's later messages wait for it."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


Prepare = Callable[[Queued], Awaitable[Inbound]]


class HandoffError(ValueError):
    """An agent action that does not fit the conversation's handoff state."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Conversations:
    def __init__(
        self,
        engine: Engine,
        store: ConversationStore,
        outbox: SqlOutbox,
        services: Services,
        now: Callable[[], datetime],
        queue: SqlQueue | None = None,
    ) -> None:
        self.queue = queue  # messengers' messages waiting for their turn
        self.engine = engine
        self.store = store
        self.outbox = outbox
        self.services = services
        self._now = now
        self.reloader: Reloader | None = None  # watches the files in development
        # Called after a turn or an agent's action saved replies: wakes the delivery.
        self.on_saved: Callable[[], None] | None = None

    async def receive(self, msg: Inbound, *, inline: bool = False) -> Handled | None:
        """Handle one message; None when it was handled before (a redelivery).

        ``inline``: the channel hands the replies over in its response (the web chat, the
        console), so they enter the outbox already delivered."""
        if self.reloader is not None:
            self.reloader.maybe_reload()
        async with self.store.turn(msg.channel, msg.user, msg.message_id) as loaded:
            if loaded.duplicate:
                return None
            return await self._run(loaded, msg, inline)

    async def receive_queued(self, channel: str, user: str, prepare: Prepare) -> int:
        """Handle the conversation's queued messages oldest first, one turn at a time;
        returns how many turns ran. Stops at a message that waits for a retry.

        Each message is taken under the conversation's lock and only if it is still the
        oldest queued one, so several workers in several processes keep the order the
        messages arrived in. ``prepare`` turns a queued message into the one the turn sees
        (the channel downloads attachments); it raises :class:`RetryLater` when it cannot
        yet.
        """
        if self.queue is None:
            raise RuntimeError("no queue: this Conversations serves inline channels only")
        turns = 0
        while True:
            if self.reloader is not None:
                self.reloader.maybe_reload()
            if isinstance(self.store, SqlConversationStore):
                ran = await self._queued_turn(self.store, channel, user, prepare)
            else:
                ran = await self._queued_turn_apart(self.queue, channel, user, prepare)
            if ran is None:
                return turns
            turns += ran

    async def _queued_turn(
        self, store: SqlConversationStore, channel: str, user: str, prepare: Prepare
    ) -> int | None:
        """One queued message's turn on the SQL store, which reads the message with the
        state under the lock and marks it done in the transaction that saves the turn.
        Returns 1 for a turn, 0 for a message found handled, None to stop."""
        assert self.queue is not None
        async with store.queued_turn(channel, user) as found:
            if found is None:
                return None
            item, loaded = found
            if loaded.duplicate:  # handled before a crash, or a late redelivery
                await self.queue.done(item.id)
                return 0
            try:
                msg = await prepare(item)
            except RetryLater as later:
                await self.queue.retry(item.id, later.delay, later.reason)
                return None
            await self._run(loaded, msg, inline=False, done=item.id)
            return 1

    async def _queued_turn_apart(
        self, queue: SqlQueue, channel: str, user: str, prepare: Prepare
    ) -> int | None:
        """The same with a store that keeps conversations elsewhere (Redis): the message is
        looked up before the lock, checked again under it, and marked done after the save."""
        item = await queue.earliest(channel, user)
        if item is None or not item.due:
            return None
        async with self.store.turn(channel, user, item.inbound.message_id) as loaded:
            if not await queue.queued(item.id):
                return 0  # another worker took it while this one waited for the lock
            if loaded.duplicate:
                await queue.done(item.id)
                return 0
            try:
                msg = await prepare(item)
            except RetryLater as later:
                await queue.retry(item.id, later.delay, later.reason)
                return None
            await self._run(loaded, msg, inline=False)
            await queue.done(item.id)
            return 1

    async def _run(
        self, loaded: Loaded, msg: Inbound, inline: bool, done: int | None = None
    ) -> Handled:
        """One turn on a conversation loaded under its lock; saves its results (and marks
        the queued message ``done`` with them)."""
        before = copy.deepcopy(loaded.state)
        if loaded.customer_read:
            customer = loaded.customer
        else:
            customer = await self.services.identities.customer_of(msg.channel, msg.user)
        if customer is not None:
            loaded.state["customer_id"] = str(customer)
        turn = Turn(msg, loaded.state)
        try:
            await self.engine.handle(turn)
        except Exception:
            # A bug must not leave the customer without an answer or the conversation
            # stuck in a broken step: say sorry, keep everything else as it was.
            log.exception("a turn failed", extra={"channel": msg.channel})
            loaded.state = before
            loaded.state["stack"] = []
            turn = Turn(msg, loaded.state)
            turn.replies.append(
                Text(self.services.catalog.text(turn.language, "common.internal_error"))
            )
        loaded.state = turn.state
        now = self._now()
        records = turn.records + [Record("out", _transcript_form(r), now) for r in turn.replies]
        ids = await self.store.save(
            loaded,
            msg.message_id,
            [reply_to_dict(r) for r in turn.replies],
            records,
            now + self.services.settings.conversation_ttl,
            delivered=inline,
            done=done,
        )
        if ids and not inline and self.on_saved is not None:
            self.on_saved()
        return Handled(turn.replies, ids)

    # -- handoff: bot → waiting → agent → bot ------------------------------------------------

    async def claim(self, channel: str, user: str, agent: str) -> dict[str, Any]:
        async def change(state: dict[str, Any], turn: Turn) -> None:
            handoff = state.get("handoff", {})
            if handoff.get("state") == "agent" and handoff.get("agent") != agent:
                raise HandoffError("ALREADY_CLAIMED", "another agent holds this conversation")
            if handoff.get("state") not in ("waiting", "agent"):
                raise HandoffError("NOT_WAITING", "the conversation is not waiting for a person")
            state["handoff"] = {"state": "agent", "agent": agent, "since": handoff.get("since")}
            text = self.services.catalog.text(turn.language, "handoff.agent_joined")
            turn.replies.append(HandoffNotice(text, "agent"))
            turn.records.append(
                Record("event", {"event": "handoff_claimed", "agent": agent}, self._now())
            )

        return await self._as_agent(channel, user, change)

    async def agent_reply(self, channel: str, user: str, agent: str, text: str) -> dict[str, Any]:
        async def change(state: dict[str, Any], turn: Turn) -> None:
            handoff = state.get("handoff", {})
            if handoff.get("state") != "agent" or handoff.get("agent") != agent:
                raise HandoffError("NOT_CLAIMED", "claim the conversation before replying")
            turn.replies.append(Text(text))
            turn.records.append(
                Record("event", {"event": "agent_replied", "agent": agent}, self._now())
            )

        return await self._as_agent(channel, user, change)

    async def release(self, channel: str, user: str, agent: str) -> dict[str, Any]:
        async def change(state: dict[str, Any], turn: Turn) -> None:
            handoff = state.get("handoff", {})
            if handoff.get("state") == "agent" and handoff.get("agent") != agent:
                raise HandoffError("NOT_CLAIMED", "another agent holds this conversation")
            if handoff.get("state") not in ("waiting", "agent"):
                raise HandoffError("NOT_WAITING", "the bot already holds this conversation")
            state["handoff"] = {"state": "bot"}
            state["stack"] = []
            text = self.services.catalog.text(turn.language, "handoff.back_with_bot")
            turn.replies.append(HandoffNotice(text, "bot"))
            turn.records.append(
                Record("event", {"event": "handoff_released", "agent": agent}, self._now())
            )

        return await self._as_agent(channel, user, change)

    async def _as_agent(
        self, channel: str, user: str, change: Callable[[dict[str, Any], Turn], Any]
    ) -> dict[str, Any]:
        async with self.store.turn(channel, user, None) as loaded:
            if loaded.version == 0:
                raise HandoffError("CONVERSATION_NOT_FOUND", "no such conversation")
            marker = Inbound(channel, user, "", Kind.TEXT, text="")  # an agent's action
            turn = Turn(marker, loaded.state)
            await change(loaded.state, turn)
            now = self._now()
            records = turn.records + [
                Record("out", _transcript_form(r), now) for r in turn.replies
            ]
            await self.store.save(
                loaded,
                None,
                [reply_to_dict(r) for r in turn.replies],
                records,
                now + self.services.settings.conversation_ttl,
            )
        if turn.replies and self.on_saved is not None:
            self.on_saved()
        return dict(loaded.state.get("handoff", {}))

    async def transcript(self, channel: str, user: str) -> list[Record]:
        return await self.store.transcript(channel, user)

    async def assign(self, channel: str, user: str, by: str, to: str) -> dict[str, Any]:
        """``by`` hands a waiting conversation, or one ``by`` holds, to the agent ``to``.
        The customer hears that a person joined only when nobody held it before."""

        async def change(state: dict[str, Any], turn: Turn) -> None:
            handoff = state.get("handoff", {})
            if handoff.get("state") == "agent" and handoff.get("agent") != by:
                raise HandoffError("NOT_CLAIMED", "another agent holds this conversation")
            if handoff.get("state") not in ("waiting", "agent"):
                raise HandoffError("NOT_WAITING", "the conversation is not waiting for a person")
            state["handoff"] = {"state": "agent", "agent": to, "since": handoff.get("since")}
            if handoff.get("state") == "waiting":
                text = self.services.catalog.text(turn.language, "handoff.agent_joined")
                turn.replies.append(HandoffNotice(text, "agent"))
            turn.records.append(
                Record("event", {"event": "handoff_assigned", "agent": to, "by": by}, self._now())
            )

        return await self._as_agent(channel, user, change)

    # -- notifications ------------------------------------------------------------------

    @property
    def notifier(self) -> Notifier:
        return Notifier(
            self.outbox, self.services.identities, self.store, self.services.catalog, self._now
        )


def _transcript_form(reply: Reply) -> dict[str, Any]:
    body = reply_to_dict(reply)
    if body["type"] == "link":
        body["url"] = "[secure link]"  # a live link is a capability: not for the transcript
    return body
