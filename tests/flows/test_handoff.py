"""Handoff: bot → waiting → agent → bot, over the staff API, with the bot silent while a
person holds the conversation (except for safety commands)."""

from __future__ import annotations

from uuid import UUID

import pytest

from core.actors import Actor, ActorKind
from tests.flows.conftest import Teller

BASE = "/backoffice/api/conversations"


@pytest.fixture
async def agent_headers(teller: Teller) -> dict[str, str]:
    keys = teller.app.state.container.api_keys
    _, key = await keys.create("agent-1", ["bank.support"], Actor(ActorKind.STAFF, "tests"))
    return {"X-API-Key": key}


async def test_an_agent_claims_replies_and_releases(
    teller: Teller, agent_headers: dict[str, str]
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.say("I want to talk to a person")
    assert "queue" in chat.text()
    user = chat.user_id

    queue = (await teller.http.get(BASE, headers=agent_headers)).json()["conversations"]
    assert any(c["user"] == user for c in queue)

    claimed = await teller.http.post(f"{BASE}/webchat/{user}/claim", headers=agent_headers)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["handoff"]["state"] == "agent"

    # The bot stays silent while a person holds the conversation.
    await chat.say("what's my balance?")
    assert chat.replies == []

    sent = await teller.http.post(
        f"{BASE}/webchat/{user}/reply",
        json={"text": "Hello James, how can I help?"},
        headers=agent_headers,
    )
    assert sent.status_code == 200
    pending = [r.get("text") for r in await teller.pending(user)]
    assert "Hello James, how can I help?" in pending
    assert any("joined" in (t or "") for t in pending)

    detail = (await teller.http.get(f"{BASE}/webchat/{user}", headers=agent_headers)).json()
    assert detail["handoff"]["state"] == "agent"
    said = [r.get("text") for r in detail["transcript"] if r["direction"] == "in"]
    assert "what's my balance?" in said

    released = await teller.http.post(f"{BASE}/webchat/{user}/release", headers=agent_headers)
    assert released.json()["handoff"]["state"] == "bot"
    await chat.say("what's my balance?")
    assert "€458.00" in chat.text()


async def test_a_customer_can_block_a_card_while_waiting_for_a_person(
    teller: Teller, agent_headers: dict[str, str]
) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.send(payload="cmd:operator")
    await chat.say("my card was stolen, block it")
    assert chat.replies, "a safety command is answered even while waiting for a person"
    state = await teller.conversations.store.load("webchat", chat.user_id) or {}
    assert state["handoff"]["state"] == "waiting"
    assert state["stack"][-1]["flow"] == "card_block"
    await chat.tap("It was stolen")
    await chat.tap("Confirm")
    assert "blocked" in chat.text()
    cards = await teller.conversations.services.bank.list_cards(
        UUID(teller.customer("anna")["customer_id"])
    )
    assert cards[0].status.value == "blocked"
    await chat.send(payload="cmd:menu")  # the flow is over: back to waiting quietly
    await chat.say("what's my balance?")
    assert chat.replies == []
    state = await teller.conversations.store.load("webchat", chat.user_id) or {}
    assert state["handoff"]["state"] == "waiting"


async def test_the_staff_api_refuses_other_roles_and_unknown_conversations(
    teller: Teller, agent_headers: dict[str, str]
) -> None:
    keys = teller.app.state.container.api_keys
    _, reader = await keys.create("reader", ["bank.read"], Actor(ActorKind.STAFF, "tests"))
    refused = await teller.http.get(BASE, headers={"X-API-Key": reader})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "FORBIDDEN"
    assert (await teller.http.get(BASE)).status_code == 401
    missing = await teller.http.post(f"{BASE}/webchat/nobody-here/claim", headers=agent_headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "CONVERSATION_NOT_FOUND"


async def test_claiming_a_conversation_that_is_not_waiting_is_a_conflict(
    teller: Teller, agent_headers: dict[str, str]
) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    refused = await teller.http.post(f"{BASE}/webchat/{chat.user_id}/claim", headers=agent_headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "NOT_WAITING"
