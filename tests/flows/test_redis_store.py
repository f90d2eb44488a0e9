"""The Redis conversation store: the same conversations, one turn at a time per
conversation, redeliveries ignored, state and replies written together and relayed to SQL
once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from flows.messages import Inbound, Kind
from flows.store.redis_store import RedisConversationStore
from tests.flows.conftest import Teller
from tests.flows.conversation_runner import cases, run
from tests.services import REDIS_URL, require_redis

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_store(teller: Teller) -> AsyncIterator[RedisConversationStore]:
    require_redis()
    client = Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex[:10]}:"
    store = RedisConversationStore(client, teller.bank.db, teller.clock.now, prefix=prefix)
    teller.conversations.store = store
    try:
        yield store
    finally:
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


TRANSFERS = [c for c in cases() if c.file in ("transfer", "balance")][:4]


@pytest.mark.parametrize("case", TRANSFERS, ids=lambda c: c.id)
async def test_conversations_run_the_same_on_redis(
    teller: Teller, redis_store: RedisConversationStore, case: object
) -> None:
    await run(teller, case)  # type: ignore[arg-type]


async def test_one_turn_at_a_time_and_redeliveries_ignored(
    teller: Teller, redis_store: RedisConversationStore
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    before = await redis_store.load("webchat", chat.user_id) or {}
    messages = [
        Inbound("webchat", chat.user_id, f"m{n}", Kind.PAYLOAD, payload="flow:balance")
        for n in range(6)
    ]
    handled = await asyncio.gather(
        *(teller.conversations.receive(m) for m in [*messages, *messages])
    )
    assert sum(h is not None for h in handled) == 6  # each message once
    assert sum(h is None for h in handled) == 6  # each redelivery ignored
    raw = await redis_store._redis.get(redis_store._key("state", "webchat", chat.user_id))
    assert raw is not None
    version = json.loads(raw)["version"]
    assert version >= 6
    assert before.get("stack") == []
    rows = await teller.pending(chat.user_id)
    assert len(rows) == 6  # one balance reply per message, in the SQL outbox


async def test_an_entry_is_relayed_once(
    teller: Teller, redis_store: RedisConversationStore
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    entry = {
        "id": "entry-1",
        "channel": "webchat",
        "user": chat.user_id,
        "state": {"stack": [], "language": "en"},
        "version": 1,
        "expires_at": teller.clock.now().isoformat(),
        "replies": [{"type": "text", "text": "relayed once"}],
        "delivered": False,
        "records": [],
    }
    client = redis_store._redis
    await client.rpush(f"{redis_store._prefix}outbox", json.dumps(entry))
    await client.rpush(f"{redis_store._prefix}outbox", json.dumps(entry))  # a crash's replay
    await redis_store.relay()
    texts = [r.get("text") for r in await teller.pending(chat.user_id)]
    assert texts.count("relayed once") == 1


async def test_an_expired_conversation_keeps_its_language(
    teller: Teller, redis_store: RedisConversationStore
) -> None:
    chat = teller.as_customer("ivan")
    await chat.begin("uk")
    client = redis_store._redis
    state_key = redis_store._key("state", "webchat", chat.user_id)
    assert 0 < await client.ttl(state_key) <= 24 * 3600
    await client.delete(state_key)  # as if it expired
    await chat.say("меню")
    state = await redis_store.load("webchat", chat.user_id) or {}
    assert state["language"] == "uk"
