"""The secure pages behind single-use links: a PIN set and changed over HTTP, card details
shown once; reused, expired and forged links change nothing; no PIN in any transcript."""

from __future__ import annotations

import html
import re
from urllib.parse import urlparse
from uuid import UUID

import httpx

from integrations.bank.cards.types import BlockReason, Card
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

JAMES_PASSCODE = "864202"


async def james_card(teller: Teller) -> tuple[Chat, Card]:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.send(payload="flow:get_card")
    customer = UUID(teller.customer("james")["customer_id"])
    [card] = await teller.conversations.services.bank.list_cards(customer)
    return chat, card


async def link_for(chat: Chat, flow: str) -> str:
    await chat.send(payload=f"flow:{flow}")
    if "passcode" in chat.text():
        await chat.say(JAMES_PASSCODE)
    [link] = [r for r in chat.replies if r["type"] == "link"]
    return urlparse(link["url"]).path


def assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src" not in csp  # nothing runs on these pages
    assert "<script" not in response.text
    assert "http" not in re.sub(r'action="[^"]*"', "", response.text)  # no outside assets


def shown(response: httpx.Response) -> str:
    return html.unescape(response.text)


async def chat_messages(teller: Teller, user: str) -> list[str]:
    pending = await teller.conversations.outbox.pending("webchat", user)
    return [str(reply.get("text")) for _, _, reply in pending]


async def test_a_pin_is_set_once_through_the_secure_page(teller: Teller) -> None:
    chat, card = await james_card(teller)
    path = await link_for(chat, "card_pin")
    page = await teller.http.get(path)
    assert page.status_code == 200
    assert_private(page)
    assert 'type="password"' in page.text
    assert 'inputmode="numeric"' in page.text
    assert "current_pin" not in shown(page)

    done = await teller.http.post(path, data={"pin": "2580", "pin_again": "2580"})
    assert done.status_code == 200
    assert "PIN is set" in shown(done)
    assert_private(done)
    bank = teller.conversations.services.bank
    assert (await bank.get_card(card.id)).pin_set
    messages = await chat_messages(teller, chat.user_id)
    assert any("is set" in m and card.last4 in m for m in messages)

    again = await teller.http.post(path, data={"pin": "3690", "pin_again": "3690"})
    assert again.status_code == 410
    assert "already used" in shown(again)
    reopened = await teller.http.get(path)
    assert reopened.status_code == 410

    transcript = await teller.conversations.transcript("webchat", chat.user_id)
    bodies = str([r.body for r in transcript])
    assert "2580" not in bodies
    assert "3690" not in bodies


async def test_a_weak_or_mismatched_pin_is_explained_and_the_link_still_works(
    teller: Teller,
) -> None:
    chat, card = await james_card(teller)
    path = await link_for(chat, "card_pin")
    weak = await teller.http.post(path, data={"pin": "1111", "pin_again": "1111"})
    assert weak.status_code == 422
    assert "too easy to guess" in shown(weak)
    assert "1111" not in shown(weak)
    mismatch = await teller.http.post(path, data={"pin": "2580", "pin_again": "2581"})
    assert "are different" in shown(mismatch)
    short = await teller.http.post(path, data={"pin": "25", "pin_again": "25"})
    assert "4 to 6 digits" in shown(short)
    assert not (await teller.conversations.services.bank.get_card(card.id)).pin_set
    ok = await teller.http.post(path, data={"pin": "2580", "pin_again": "2580"})
    assert ok.status_code == 200


async def test_a_pin_is_changed_with_the_current_one(teller: Teller) -> None:
    chat, _card = await james_card(teller)
    first = await link_for(chat, "card_pin")
    await teller.http.post(first, data={"pin": "2580", "pin_again": "2580"})
    path = await link_for(chat, "card_pin")
    page = await teller.http.get(path)
    assert "current_pin" in shown(page)
    wrong = await teller.http.post(
        path, data={"current_pin": "9999", "pin": "3690", "pin_again": "3690"}
    )
    assert wrong.status_code == 422
    assert "current PIN isn't right" in shown(wrong)
    done = await teller.http.post(
        path, data={"current_pin": "2580", "pin": "3690", "pin_again": "3690"}
    )
    assert "PIN is changed" in shown(done)
    messages = await chat_messages(teller, chat.user_id)
    assert any("was changed" in m for m in messages)
    assert not any("2580" in m or "3690" in m for m in messages)


async def test_forged_and_expired_links_change_nothing(teller: Teller) -> None:
    chat, card = await james_card(teller)
    path = await link_for(chat, "card_pin")
    body, _, mac = path.rsplit("/", 1)[1].partition(".")
    forged_mac = "/secure/" + body + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    for forged in (forged_mac, "/secure/nonsense", "/secure/" + body):
        page = await teller.http.get(forged)
        assert page.status_code == 404
        assert "isn't valid" in shown(page)
        posted = await teller.http.post(forged, data={"pin": "2580", "pin_again": "2580"})
        assert posted.status_code == 404
    teller.clock.advance(minutes=6)
    expired = await teller.http.post(path, data={"pin": "2580", "pin_again": "2580"})
    assert expired.status_code == 404
    assert not (await teller.conversations.services.bank.get_card(card.id)).pin_set


async def test_card_details_are_shown_once_after_a_tap(teller: Teller) -> None:
    chat, card = await james_card(teller)
    path = await link_for(chat, "card_show")
    page = await teller.http.get(path)
    assert page.status_code == 200
    assert_private(page)
    assert not re.search(r"\d{4} \d{4} \d{4}", page.text)  # opening shows nothing yet
    revealed = await teller.http.post(path)
    assert revealed.status_code == 200
    assert_private(revealed)
    number = re.search(r"(\d{4} \d{4} \d{4} \d{4})", revealed.text)
    assert number is not None
    assert number.group(1).endswith(card.last4)
    assert "CVV" in revealed.text
    assert 'src="data:image/png;base64,' in revealed.text
    again = await teller.http.post(path)
    assert again.status_code == 410
    assert number.group(1) not in again.text
    transcript = await teller.conversations.transcript("webchat", chat.user_id)
    assert number.group(1) not in str([r.body for r in transcript])


async def test_the_page_speaks_the_links_language(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("cs")
    await chat.send(payload="flow:card_pin")
    await chat.say(teller.customer("anna")["passcode"])
    [link] = [r for r in chat.replies if r["type"] == "link"]
    page = await teller.http.get(urlparse(link["url"]).path)
    assert '<html lang="cs">' in page.text
    english = teller.conversations.services.catalog.text("en", "secure.submit_pin")
    assert english not in page.text


async def test_a_long_pin_is_refused_without_being_echoed(teller: Teller) -> None:
    chat, _ = await james_card(teller)
    path = await link_for(chat, "card_pin")
    long_pin = "1234567890123456789"
    page = await teller.http.post(path, data={"pin": long_pin, "pin_again": long_pin})
    assert page.status_code == 422
    assert "4 to 6 digits" in shown(page)
    assert long_pin not in page.text


async def test_a_link_for_a_card_blocked_meanwhile_does_nothing(teller: Teller) -> None:
    chat, card = await james_card(teller)
    path = await link_for(chat, "card_show")
    await teller.conversations.services.bank.block_card(card.id, BlockReason.LOST)
    page = await teller.http.get(path)
    assert page.status_code == 409
    revealed = await teller.http.post(path)
    assert revealed.status_code == 409
    assert "CVV" not in revealed.text
