"""The bank's events reach customers' chats once, in their language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core import events
from core.jobs import Event
from flows import text_overrides
from teller.notifications import ChatNotifications
from tests.flows.conftest import Teller

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


async def _event(teller: Teller, type_: str, payload: dict[str, Any]) -> None:
    async with teller.bank.db.transaction() as conn:
        await events.record(conn, type_, payload.get("customer_id", "x"), payload, AT)


async def _texts(teller: Teller, key: str) -> list[str]:
    user = teller.customer(key)["webchat_user_id"]
    return [str(r.get("text", "")) for r in await teller.pending(user)]


async def test_a_declined_card_payment_is_explained(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await _event(
        teller,
        "card.declined",
        {
            "card_id": "c",
            "customer_id": teller.customer("james")["customer_id"],
            "authorization_id": "a",
            "reason": "insufficient_funds",
            "amount": 12_50,
            "currency": "EUR",
            "merchant_name": "Café Louvre",
        },
    )
    await teller.run_jobs()
    assert await _texts(teller, "james") == [
        "A card payment of €12.50 at Café Louvre was declined: "
        "there wasn't enough money on the account."
    ]


async def test_the_kyc_decision_in_the_customers_language(teller: Teller) -> None:
    chat = teller.as_customer("petr")
    await chat.begin("cs")
    await _event(
        teller,
        "kyc.decided",
        {"customer_id": teller.customer("petr")["customer_id"], "decision": "verified"},
    )
    await teller.run_jobs()
    pending = await teller.pending(chat.user_id)
    assert len(pending) == 1
    catalog = teller.conversations.services.catalog
    assert pending[0]["text"] == catalog.text("cs", "notify.kyc_verified")
    assert pending[0]["buttons"][0]["payload"] == "flow:get_card"


async def test_an_event_delivered_twice_notifies_once(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    relay = ChatNotifications.build(
        teller.bank.db, teller.conversations.services.bank, teller.clock.now
    )
    reward = Event(
        41,
        "referral.rewarded",
        teller.customer("anna")["customer_id"],
        {
            "customer_id": teller.customer("anna")["customer_id"],
            "amount": 10_00,
            "currency": "EUR",
        },
        AT,
    )
    await relay.handle(reward)
    await relay.handle(reward)
    texts = await _texts(teller, "anna")
    assert texts == [
        "Your referral reward of €10.00 has arrived. Thank you for inviting a friend!"
    ]


async def test_money_received_respects_the_notifications_setting(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    state = await teller.conversations.store.load("webchat", chat.user_id)
    assert state is not None
    relay = ChatNotifications.build(
        teller.bank.db, teller.conversations.services.bank, teller.clock.now
    )
    anna = teller.customer("anna")["customer_id"]
    # Turned off in settings: news is skipped, what protects the customer is not.
    async with teller.conversations.store.turn("webchat", chat.user_id, None) as loaded:
        loaded.state["notifications"] = False
        await teller.conversations.store.save(loaded, None, [], [], teller.clock.now())
    received = {
        "customer_id": teller.customer("james")["customer_id"],
        "recipient_customer_id": anna,
        "payment_id": "00000000-0000-0000-0000-000000000001",
        "amount": 5_00,
        "currency": "EUR",
    }
    await relay.handle(Event(51, "transfer.completed", "x", received, AT))
    rejected = {"customer_id": anna, "amount": 7_00, "currency": "EUR"}
    await relay.handle(Event(52, "transfer.rejected", "x", rejected, AT))
    texts = await _texts(teller, "anna")
    assert texts == [
        "Your transfer of €7.00 was not approved and nothing was sent; "
        "the reserved money is available again."
    ]


async def test_a_text_marketers_published_reaches_notifications(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    async with teller.bank.db.transaction() as conn:
        await text_overrides.publish(
            conn,
            "en",
            "notify.referral_reward",
            "Thanks for spreading the word: {amount} is yours.",
            "staff:marketer",
            AT,
        )
    relay = ChatNotifications.build(
        teller.bank.db, teller.conversations.services.bank, teller.clock.now
    )
    anna = teller.customer("anna")["customer_id"]
    payload = {"customer_id": anna, "amount": 10_00, "currency": "EUR"}
    await relay.handle(Event(61, "referral.rewarded", anna, payload, AT))
    assert await _texts(teller, "anna") == ["Thanks for spreading the word: €10.00 is yours."]
