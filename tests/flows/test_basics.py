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


async def test_the_passcode_question_asks_for_a_hidden_answer(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    anna_iban = next(a["iban"] for a in teller.customer("anna")["accounts"])
    await chat.say(f"send 5 EUR to {anna_iban}")
    await chat.tap("Confirm")
    [question] = chat.replies
    assert question == {
        "type": "text",
        "text": "Please enter your 6-digit passcode.",
        "secret": True,
    }
    await chat.say(teller.customer("james")["passcode"])
    assert all("secret" not in r for r in chat.replies)
