"""The messenger pipeline on both databases: queue → turns in order → outbox → delivery.

A recording adapter stands in for a messenger, so these tests are about the pipeline's
promises: a redelivered message has one effect, a conversation's messages are handled in
the order they arrived even by several workers at once, and delivery keeps order through
retries, honours ``retry_after``, gives up on permanent failures and respects windows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import APIRouter

from bots.channel import (
    Check,
    DeliveryError,
    Intake,
    Limits,
    Outgoing,
    PrepareError,
    Received,
)
from bots.pipeline.delivery import DeliveryWorker, LanguageOf
from bots.pipeline.intake import QueueIntake
from bots.pipeline.limits import LocalLimiter
from bots.pipeline.worker import InboundWorker
from flows.messages import Attachment, Capabilities, Inbound, Kind
from flows.store.queue import SqlContacts, SqlQueue
from flows.store.sql import SqlOutbox
from tests.flows.conftest import Teller

CHANNEL = "recorded"


@dataclass
class RecordingAdapter:
    """A messenger that records what it is sent and fails as told."""

    name: str = CHANNEL
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(max_text=500))
    limits: Limits = field(default_factory=lambda: Limits(1000, 1000, 1000))
    window_hours: int | None = None
    sent: list[Outgoing] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)  # raised in turn, then ok
    prepare_failures: list[PrepareError] = field(default_factory=list)

    def router(self, intake: Intake) -> APIRouter:
        return APIRouter()

    async def prepare(self, received: Received) -> Inbound:
        if self.prepare_failures:
            raise self.prepare_failures.pop(0)
        msg = received.inbound
        if "file" in received.fetch:
            return Inbound(
                msg.channel,
                msg.user,
                msg.message_id,
                msg.kind,
                attachment=Attachment(b"%PDF-1.4 test", "application/pdf", "doc.pdf"),
            )
        return msg

    async def send(self, out: Outgoing) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(out)

    async def check(self) -> list[Check]:
        return []

    async def setup(self, webhook_url: str) -> str:
        return ""

    def texts(self, user: str) -> list[str]:
        return [getattr(o.reply, "text", "") for o in self.sent if o.user == user]


@dataclass
class Pipeline:
    teller: Teller
    adapter: RecordingAdapter
    queue: SqlQueue
    contacts: SqlContacts
    outbox: SqlOutbox
    intake: QueueIntake

    def worker(self) -> InboundWorker:
        return InboundWorker(
            self.teller.conversations, {CHANNEL: self.adapter}, asyncio.Event(), poll=0.01
        )

    def delivery(self, language_of: LanguageOf | None = None) -> DeliveryWorker:
        return DeliveryWorker(
            self.outbox,
            self.contacts,
            {CHANNEL: self.adapter},
            LocalLimiter(),
            asyncio.Event(),
            language_of=language_of,
            max_attempts=3,
        )

    async def receive(self, *messages: Inbound) -> int:
        return await self.intake.accept([Received(m) for m in messages])

    async def transcript_in(self, user: str) -> list[str]:
        records = await self.teller.conversations.transcript(CHANNEL, user)
        return [r.body.get("text", "") for r in records if r.direction == "in"]


@pytest.fixture
def pipeline(teller: Teller) -> Pipeline:
    db = teller.bank.db
    now = teller.clock.now
    queue = SqlQueue(db, now)
    contacts = SqlContacts(db, now)
    teller.conversations.queue = queue
    return Pipeline(
        teller,
        RecordingAdapter(),
        queue,
        contacts,
        SqlOutbox(db, now),
        QueueIntake(queue, contacts, asyncio.Event()),
    )


def text(user: str, message_id: str, body: str) -> Inbound:
    return Inbound(CHANNEL, user, message_id, Kind.TEXT, text=body)


async def test_a_message_delivered_three_times_at_once_is_queued_once(pipeline: Pipeline) -> None:
    msg = text("u-1", "m-1", "menu")

    added = await asyncio.gather(*(pipeline.receive(msg) for _ in range(3)))

    assert max(added) == 1  # written together: one new message among the three copies
    assert await pipeline.queue.size() == 1


async def test_a_late_redelivery_of_a_handled_message_does_nothing(pipeline: Pipeline) -> None:
    await pipeline.receive(text("u-2", "m-1", "menu"))
    await pipeline.worker().drain()
    replies = len(await pipeline.teller.pending("u-2", CHANNEL))
    assert replies > 0

    assert await pipeline.receive(text("u-2", "m-1", "menu")) == 0  # hours later, say
    await pipeline.worker().drain()

    assert len(await pipeline.teller.pending("u-2", CHANNEL)) == replies
    assert await pipeline.transcript_in("u-2") == ["menu"]


async def test_two_workers_handle_one_conversation_in_arrival_order(pipeline: Pipeline) -> None:
    words = ["menu", "help", "balance", "cancel", "menu", "help"]
    await pipeline.receive(*(text("u-3", f"m-{i}", w) for i, w in enumerate(words)))

    # Two workers as two processes would run them: each its own task bookkeeping.
    await asyncio.gather(pipeline.worker().drain(), pipeline.worker().drain())

    assert await pipeline.transcript_in("u-3") == words
    assert await pipeline.queue.size() == 0


async def test_a_file_that_cannot_be_fetched_yet_holds_back_the_later_messages(
    pipeline: Pipeline,
) -> None:
    pipeline.adapter.prepare_failures.append(PrepareError("timeout"))
    document = Inbound(CHANNEL, "u-4", "m-1", Kind.DOCUMENT)
    await pipeline.intake.accept([Received(document, {"file": "f-1"})])
    await pipeline.receive(text("u-4", "m-2", "menu"))

    await pipeline.worker().drain()
    assert await pipeline.transcript_in("u-4") == []  # waiting for the retry, in order

    pipeline.teller.clock.advance(seconds=5)
    await pipeline.worker().drain()
    transcript = await pipeline.teller.conversations.transcript(CHANNEL, "u-4")
    inbound = [r.body for r in transcript if r.direction == "in"]
    assert len(inbound) == 2  # the document, then the text sent after it
    assert inbound[-1].get("text") == "menu"


async def test_a_file_that_never_downloads_still_gets_an_answer(pipeline: Pipeline) -> None:
    pipeline.adapter.prepare_failures.append(PrepareError("gone", permanent=True))
    await pipeline.intake.accept([Received(Inbound(CHANNEL, "u-5", "m-1", Kind.IMAGE))])

    await pipeline.worker().drain()

    assert await pipeline.queue.size() == 0
    assert await pipeline.teller.pending("u-5", CHANNEL)  # the bot answered


async def test_the_worker_takes_each_conversations_oldest_due_message_oldest_first(
    pipeline: Pipeline,
) -> None:
    await pipeline.receive(text("h-1", "m-1", "menu"), text("h-2", "m-2", "menu"))
    await pipeline.receive(text("h-1", "m-3", "help"), text("h-3", "m-4", "menu"))
    await pipeline.receive(text("h-2", "m-5", "help"))

    heads = await pipeline.queue.heads()
    assert [h.user for h in heads] == ["h-1", "h-2", "h-3"]
    assert heads[0].id < heads[1].id < heads[2].id
    oldest = {(await pipeline.queue.earliest(CHANNEL, h.user)).id for h in heads}  # type: ignore[union-attr]
    assert oldest == {h.id for h in heads}

    # A conversation whose oldest message waits for a retry waits whole: its later
    # messages, due as they are, are not its head.
    await pipeline.queue.retry(heads[0].id, 60, "file not ready")
    assert [h.user for h in await pipeline.queue.heads()] == ["h-2", "h-3"]
    assert [h.user for h in await pipeline.queue.heads(limit=1)] == ["h-2"]


# -- delivery ---------------------------------------------------------------------------


async def queue_replies(pipeline: Pipeline, user: str, texts: list[str]) -> None:
    await pipeline.outbox.add(CHANNEL, user, [{"type": "text", "text": t} for t in texts])


async def test_delivery_sends_in_order_and_marks_sent(pipeline: Pipeline) -> None:
    await queue_replies(pipeline, "d-1", ["one", "two", "three"])

    await pipeline.delivery().drain()

    assert pipeline.adapter.texts("d-1") == ["one", "two", "three"]
    assert await pipeline.outbox.pending(CHANNEL, "d-1") == []


async def test_a_long_text_is_split_to_the_channels_limit(pipeline: Pipeline) -> None:
    long = " ".join(["word"] * 300)  # 1,499 characters; the channel takes 500
    await queue_replies(pipeline, "d-2", [long])

    await pipeline.delivery().drain()

    parts = pipeline.adapter.texts("d-2")
    assert len(parts) == 3
    assert all(len(p) <= 500 for p in parts)
    assert " ".join(parts) == long


async def test_a_server_error_is_retried_later_and_holds_back_the_next_replies(
    pipeline: Pipeline,
) -> None:
    await queue_replies(pipeline, "d-3", ["first", "second"])
    pipeline.adapter.failures.append(DeliveryError("HTTP 502"))

    await pipeline.delivery().drain()
    assert pipeline.adapter.texts("d-3") == []  # nothing overtakes the failed reply

    pipeline.teller.clock.advance(seconds=3)
    await pipeline.delivery().drain()
    assert pipeline.adapter.texts("d-3") == ["first", "second"]


async def test_retry_after_from_the_platform_is_honoured(pipeline: Pipeline) -> None:
    await queue_replies(pipeline, "d-4", ["hello"])
    pipeline.adapter.failures.append(DeliveryError("HTTP 429", retry_after=30))

    await pipeline.delivery().drain()
    pipeline.teller.clock.advance(seconds=20)
    await pipeline.delivery().drain()
    assert pipeline.adapter.texts("d-4") == []

    pipeline.teller.clock.advance(seconds=11)
    await pipeline.delivery().drain()
    assert pipeline.adapter.texts("d-4") == ["hello"]


async def test_a_permanent_failure_is_recorded_and_the_next_replies_go_on(
    pipeline: Pipeline,
) -> None:
    await queue_replies(pipeline, "d-5", ["a picture", "a text"])
    pipeline.adapter.failures.append(DeliveryError("24-hour window closed", permanent=True))

    await pipeline.delivery().drain()

    assert pipeline.adapter.texts("d-5") == ["a text"]
    failures = await pipeline.outbox.failures(CHANNEL)
    assert [(f["user"], f["error"]) for f in failures] == [("d-5", "24-hour window closed")]


async def test_a_blocked_bot_marks_the_person_unreachable(pipeline: Pipeline) -> None:
    await queue_replies(pipeline, "d-6", ["one", "two"])
    pipeline.adapter.failures.append(DeliveryError("bot was blocked by the user", permanent=True))

    await pipeline.delivery().drain()
    await queue_replies(pipeline, "d-6", ["three"])
    await pipeline.delivery().drain()

    assert pipeline.adapter.texts("d-6") == []  # never retried forever, never sent
    assert len(await pipeline.outbox.failures(CHANNEL)) == 3
    contact = await pipeline.contacts.get(CHANNEL, "d-6")
    assert contact is not None
    assert contact.unreachable

    await pipeline.receive(text("d-6", "m-1", "menu"))  # they wrote again: reachable
    contact = await pipeline.contacts.get(CHANNEL, "d-6")
    assert contact is not None
    assert contact.unreachable is None


async def test_transient_failures_are_given_up_after_the_attempts(pipeline: Pipeline) -> None:
    await queue_replies(pipeline, "d-7", ["hello"])
    pipeline.adapter.failures.extend(DeliveryError("timeout") for _ in range(3))

    for _ in range(3):
        await pipeline.delivery().drain()
        pipeline.teller.clock.advance(minutes=11)

    assert pipeline.adapter.texts("d-7") == []
    failures = await pipeline.outbox.failures(CHANNEL)
    assert failures[0]["error"].startswith("gave up after 3")


async def test_two_delivery_workers_send_each_reply_once_in_order(pipeline: Pipeline) -> None:
    texts = [f"reply {i}" for i in range(12)]
    await queue_replies(pipeline, "d-8", texts)

    await asyncio.gather(pipeline.delivery().drain(), pipeline.delivery().drain())

    assert pipeline.adapter.texts("d-8") == texts


async def test_the_reply_window_is_open_only_within_the_hours_after_a_message(
    pipeline: Pipeline,
) -> None:
    pipeline.adapter.window_hours = 24
    await pipeline.receive(text("d-9", "m-1", "menu"))
    await pipeline.worker().drain()
    await pipeline.delivery().drain()
    assert all(o.window_open for o in pipeline.adapter.sent)

    pipeline.teller.clock.advance(hours=25)
    await queue_replies(pipeline, "d-9", ["money received"])
    await pipeline.delivery().drain()

    assert pipeline.adapter.sent[-1].window_open is False
    assert await pipeline.contacts.window_open(CHANNEL, "nobody", 24) is False


async def test_answers_go_out_as_answers_and_notifications_as_notifications(
    pipeline: Pipeline,
) -> None:
    await pipeline.receive(text("d-10", "m-1", "menu"))
    await pipeline.worker().drain()
    await pipeline.delivery().drain()
    answers = list(pipeline.adapter.sent)
    assert answers
    assert not any(o.notification for o in answers)

    await queue_replies(pipeline, "d-10", ["money received"])
    await pipeline.delivery().drain()

    [notification] = pipeline.adapter.sent[len(answers) :]
    assert notification.notification
    assert notification.window_open


async def test_a_turns_replies_go_out_in_its_language_without_reading_the_state(
    pipeline: Pipeline,
) -> None:
    asked: list[str] = []

    async def state_of(channel: str, user: str) -> dict[str, Any] | None:
        asked.append(user)
        return {"language": "cs"}

    await pipeline.receive(text("d-11", "m-1", "menu"))
    await pipeline.worker().drain()
    await pipeline.delivery(LanguageOf(state_of)).drain()
    assert pipeline.adapter.sent
    assert {o.language for o in pipeline.adapter.sent} == {"en"}  # the turn's, not "cs"
    assert asked == []

    # A notification has no turn: its language is the conversation's.
    await queue_replies(pipeline, "d-11", ["money received"])
    await pipeline.delivery(LanguageOf(state_of)).drain()
    assert pipeline.adapter.sent[-1].language == "cs"
    assert asked == ["d-11"]

    await pipeline.outbox.add(CHANNEL, "d-12", [{"type": "text", "text": "x", "language": "uk"}])
    await pipeline.delivery(LanguageOf(state_of)).drain()
    assert pipeline.adapter.sent[-1].language == "uk"


def test_the_local_limiter_allows_a_burst_then_paces_a_chat() -> None:
    limiter = LocalLimiter()
    take: Callable[[float], float] = lambda now: limiter._take("t:1", 1.0, 3, now)  # noqa: E731

    assert [take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert take(0.0) == pytest.approx(1.0)
    assert take(0.5) == pytest.approx(0.5)
    assert take(1.0) == 0.0


async def test_the_redis_limiter_shares_one_bucket_between_processes() -> None:
    from redis.asyncio import Redis

    from bots.pipeline.limits import RedisLimiter
    from tests.services import REDIS_URL, require_redis

    require_redis()
    url = REDIS_URL
    one, two = Redis.from_url(url), Redis.from_url(url)
    prefix = f"teller:test-limits:{id(one)}:"
    try:
        first, second = RedisLimiter(one, prefix), RedisLimiter(two, prefix)
        limits = Limits(per_second=100, per_chat_per_second=1, per_chat_burst=2)
        await first.wait("telegram", "42", limits)
        await second.wait("telegram", "42", limits)
        keys: Any = [f"{prefix}telegram:42", f"{prefix}telegram"]
        seconds, micros = await one.time()
        wait = float(await first._take(keys=keys, args=[seconds + micros / 1e6, 1, 2, 100, 100]))
        assert wait > 0.5  # the burst of two is spent, by two clients together
    finally:
        await one.delete(*[k async for k in one.scan_iter(f"{prefix}*")])
        await one.aclose()
        await two.aclose()


async def test_handled_messages_are_remembered_for_a_week_then_forgotten(
    pipeline: Pipeline,
) -> None:
    await pipeline.receive(text("u-6", "m-1", "menu"))
    await pipeline.worker().drain()
    pipeline.teller.clock.advance(days=6)
    assert await pipeline.queue.purge() == 0
    assert await pipeline.receive(text("u-6", "m-1", "menu")) == 0  # still a redelivery

    pipeline.teller.clock.advance(days=2)
    assert await pipeline.queue.purge() == 1
    await pipeline.receive(text("u-6", "m-1", "menu"))  # queued again, but the turn…
    await pipeline.worker().drain()
    assert await pipeline.transcript_in("u-6") == ["menu"]  # …knows it was handled
