"""Cards in chat: a digital card with its picture, lock, unlock, block and reissue, limits,
PIN and details links, bank details — on both databases, state checked in the bank."""

from __future__ import annotations

import re
from uuid import UUID

from integrations.bank.cards.types import BlockReason, Card, CardStatus
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

JAMES_PASSCODE = "864202"
LONG_NUMBER = re.compile(r"\d(?:[ -]?\d){11,18}")


async def cards_of(teller: Teller, key: str) -> list[Card]:
    customer = UUID(teller.customer(key)["customer_id"])
    return await teller.conversations.services.bank.list_cards(customer)


async def james_with_a_card(teller: Teller) -> Chat:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.send(payload="flow:get_card")
    assert "image" in chat.kinds()
    return chat


async def test_a_verified_customer_gets_a_digital_card_as_a_picture(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    [card] = await cards_of(teller, "james")
    assert card.status is CardStatus.ACTIVE
    image = next(r for r in chat.replies if r["type"] == "image")
    assert card.last4 in image["caption"]
    picture = await teller.http.get(image["url"])
    assert picture.status_code == 200
    assert picture.content.startswith(b"\x89PNG")
    assert "Set a PIN" in chat.text() or "PIN" in chat.buttons()
    history = " ".join(str(r.get("text") or r.get("caption") or "") for r in chat.history)
    assert not LONG_NUMBER.search(history)
    # "Get a card" tapped twice: the second asks before issuing another.
    await chat.send(payload="flow:get_card", message_id="issue-1")
    assert f"already have card •• {card.last4}" in chat.text()
    assert len(await cards_of(teller, "james")) == 1
    confirm = chat.payload("Confirm")
    await chat.send(payload=confirm, message_id="confirm-1")
    await chat.send(payload=confirm, message_id="confirm-1")  # resent: a no-op
    await chat.send(payload=confirm)  # tapped twice: a stale button
    assert len(await cards_of(teller, "james")) == 2


async def test_an_unverified_customer_cannot_get_a_card(teller: Teller) -> None:
    chat = teller.as_customer("petr")
    await chat.begin("en")
    await chat.send(payload="flow:get_card")
    assert "verify your identity" in chat.text()
    assert await cards_of(teller, "petr") == []


async def test_a_customer_with_two_accounts_chooses_the_cards_account(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.send(payload="flow:get_card")
    await chat.tap("Confirm")  # Anna has a card already
    assert "Which account" in chat.text()
    czk = next(b for b in chat.buttons() if b.startswith("CZK"))
    await chat.tap(czk)
    assert "image" in chat.kinds()
    cards = await cards_of(teller, "anna")
    assert sorted(c.currency for c in cards) == ["CZK", "EUR"]


async def test_a_card_is_locked_and_unlocked_with_the_passcode(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.say("lock my card")
    assert "is locked" in chat.text()
    [card] = await cards_of(teller, "james")
    assert card.status is CardStatus.LOCKED
    await chat.send(payload="flow:card_unlock")
    assert "passcode" in chat.text()
    await chat.say("000001")
    assert "isn't right" in chat.text()
    await chat.say(JAMES_PASSCODE)
    assert "unlocked" in chat.text()
    [card] = await cards_of(teller, "james")
    assert card.status is CardStatus.ACTIVE
    transcript = await teller.conversations.transcript("webchat", chat.user_id)
    assert JAMES_PASSCODE not in str([r.body for r in transcript])


async def test_nothing_to_unlock_is_said_plainly(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="flow:card_unlock")
    assert "no locked card" in chat.text()


async def test_a_stolen_card_is_blocked_and_a_new_one_issued(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    [old] = await cards_of(teller, "james")
    await chat.send(payload="flow:card_block")
    await chat.say("hmm")  # not one of the buttons
    assert "choose one of the buttons" in chat.text()
    await chat.tap("It was stolen")
    assert "can't be undone" in chat.text()
    await chat.tap("Confirm")
    assert "is blocked" in chat.text()
    await chat.tap("Confirm")
    assert "image" in chat.kinds()
    cards = {c.id: c for c in await cards_of(teller, "james")}
    assert cards[old.id].status is CardStatus.BLOCKED
    assert cards[old.id].block_reason is BlockReason.STOLEN
    [new] = [c for c in cards.values() if c.id != old.id]
    assert new.status is CardStatus.ACTIVE
    assert new.replaces_card_id == old.id
    assert new.last4 in chat.text()


async def test_a_lost_card_blocked_without_a_new_one(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="flow:card_block")
    await chat.tap("I lost it")
    await chat.tap("Confirm")
    await chat.tap("Cancel")
    assert "any time" in chat.text()
    [card] = await cards_of(teller, "james")
    assert card.status is CardStatus.BLOCKED
    assert card.block_reason is BlockReason.LOST


async def test_several_cards_are_chosen_by_buttons_from_the_hub(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="flow:get_card")
    await chat.tap("Confirm")
    first, second = await cards_of(teller, "james")
    await chat.send(payload="flow:cards")
    assert "Which card?" in chat.text()
    await chat.tap(f"Card •• {second.last4} (EUR)")
    assert "Lock" in chat.buttons()
    await chat.tap("Lock")
    assert "is locked" in chat.text()
    cards = {c.id: c.status for c in await cards_of(teller, "james")}
    assert cards == {first.id: CardStatus.ACTIVE, second.id: CardStatus.LOCKED}
    await chat.send(payload="flow:card_lock")  # only one card left to lock: no question
    assert "is locked" in chat.text()
    assert first.last4 in chat.text()


async def test_limits_are_shown_and_changed_in_the_cards_currency(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="flow:card_limits")
    assert "per purchase" in chat.text()
    await chat.tap("Per purchase")
    assert "passcode" not in chat.text()
    await chat.say("abc")
    assert "type an amount" in chat.text()
    await chat.say("3000")
    assert "passcode" in chat.text()
    await chat.say(JAMES_PASSCODE)
    assert "can't be higher than the daily limit" in chat.text()
    await chat.say("400")
    assert "New limits" in chat.text()
    [card] = await cards_of(teller, "james")
    assert card.per_transaction_limit_minor == 40_000
    assert card.daily_limit_minor == 250_000
    await chat.send(payload="flow:card_limits")
    await chat.tap("Per day")
    await chat.say("300")
    assert "can't be lower than the limit per purchase" in chat.text()
    await chat.say("50000")
    assert "highest limit we allow (€25,000.00)" in chat.text()
    await chat.say("1000")
    [card] = await cards_of(teller, "james")
    assert card.daily_limit_minor == 100_000


async def test_a_question_in_the_middle_of_limits_resumes_them(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="flow:card_limits")
    await chat.tap("Per day")
    await chat.say("what's my balance?")
    assert "continue with your card" in chat.text()
    await chat.tap("Yes")
    assert "new limit" in chat.text()
    await chat.say("1500")
    assert "passcode" in chat.text()
    await chat.say(JAMES_PASSCODE)
    [card] = await cards_of(teller, "james")
    assert card.daily_limit_minor == 150_000


async def test_pin_and_card_details_come_as_secure_links_only(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="flow:card_pin")
    await chat.say(JAMES_PASSCODE)
    [link] = [r for r in chat.replies if r["type"] == "link"]
    assert "/secure/" in link["url"]
    assert "once" in link["text"]
    await chat.send(payload="flow:card_show")
    [link] = [r for r in chat.replies if r["type"] == "link"]
    assert "CVV" in link["text"]
    transcript = await teller.conversations.transcript("webchat", chat.user_id)
    assert "/secure/" not in str([r.body for r in transcript])


async def test_bank_details_come_with_a_qr_picture(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.say("what are my bank details?")
    if "Bank details of which account?" not in chat.text():
        await chat.send(payload="flow:bank_details")
    eur = next(b for b in chat.buttons() if b.startswith("EUR"))
    await chat.tap(eur)
    assert "image" in chat.kinds()
    iban = teller.customer("anna")["accounts"][0]["iban"]
    assert iban in chat.text()
    assert "BIC" in chat.text()


async def test_a_card_is_blocked_while_waiting_for_a_person(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="cmd:operator")
    assert "in the queue" in chat.text()
    await chat.say("block my card")
    await chat.tap("It was stolen")
    await chat.tap("Confirm")
    assert "is blocked" in chat.text()
    await chat.tap("Cancel")
    [card] = await cards_of(teller, "james")
    assert card.status is CardStatus.BLOCKED
    state = await teller.conversations.store.load("webchat", chat.user_id)
    assert state is not None
    assert state["handoff"]["state"] == "waiting"


async def test_a_double_tap_on_confirm_blocks_and_reissues_once(teller: Teller) -> None:
    chat = await james_with_a_card(teller)
    await chat.send(payload="flow:card_block")
    await chat.tap("I lost it")
    confirm = chat.payload("Confirm")
    await chat.send(payload=confirm)
    await chat.send(payload=confirm)  # the block's button again: stale
    assert "no longer works" in chat.text()
    offer = chat.payload("Confirm")  # the offer, asked again
    await chat.send(payload=offer)
    await chat.send(payload=offer)
    cards = await cards_of(teller, "james")
    assert len(cards) == 2
    assert sorted(c.status.value for c in cards) == ["active", "blocked"]


async def test_bank_details_ask_again_for_a_typed_answer_and_no_card_is_said(
    teller: Teller,
) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.send(payload="flow:bank_details")
    await chat.say("the blue one")
    assert "choose one of the buttons" in chat.text()
    await chat.tap(next(b for b in chat.buttons() if b.startswith("CZK")))
    assert "image" in chat.kinds()
    james = teller.as_customer("james")
    await james.begin("en")
    await james.send(payload="flow:card_show")
    assert "no active card" in james.text()
    await james.send(payload="flow:cards")
    assert "don't have a card yet" in james.text()
    assert "Get a card" in james.buttons()
