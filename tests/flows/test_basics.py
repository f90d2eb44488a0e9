"""The engine's basics through the web chat: start, menu, balance, language."""

from __future__ import annotations

from tests.flows.conftest import Teller


async def test_a_new_visitor_chooses_a_language_and_is_offered_an_account(teller: Teller) -> None:
    chat = teller.chat("visitor-0001")
    await chat.say("/start")
    assert "English" in chat.buttons()
    await chat.tap("Čeština")
    assert any("Teller" in t for t in chat.texts())


async def test_a_customer_sees_their_balances(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Balance")
    assert "EUR" in chat.text()
    assert "€458.00" in chat.text() or "€458" in chat.text()
