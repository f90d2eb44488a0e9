"""Step-up: above the configured amount, a second factor once per confirmed operation —
the authenticator app's code when the customer set one up, else a one-time code."""

from __future__ import annotations

from uuid import UUID

import pyotp

from tests.flows.conftest import Teller


async def test_a_large_transfer_asks_the_authenticator_once(teller: Teller) -> None:
    anna = teller.customer("anna")
    secret = pyotp.random_base32()
    await teller.conversations.services.credentials.set_totp(UUID(anna["customer_id"]), secret)
    james_iban = next(a["iban"] for a in teller.customer("james")["accounts"])
    before = await teller.balance("anna", "EUR")
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.say(f"send 1200 EUR to {james_iban}")
    await chat.tap("Confirm")
    await chat.say(anna["passcode"])
    assert "authenticator app" in chat.text()
    assert teller.codes.sent == []  # no SMS when the app is set up
    await chat.say("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert "That code isn't right." in chat.text()
    await chat.say(pyotp.TOTP(secret).now())
    assert "Sent €1,200.00" in chat.text()
    assert await teller.balance("anna", "EUR") == before - 1_200_00
    # A small one right after needs neither the passcode again nor a second factor.
    await chat.say(f"send 5 EUR to {james_iban}")
    await chat.tap("Confirm")
    assert "Sent €5.00" in chat.text()


async def test_below_the_step_up_amount_no_second_factor(teller: Teller) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    james_iban = next(a["iban"] for a in teller.customer("james")["accounts"])
    await chat.say(f"send 999 EUR to {james_iban}")
    await chat.tap("Confirm")
    await chat.say(teller.customer("anna")["passcode"])
    assert "Sent €999.00" in chat.text()
    assert teller.codes.sent == []
