"""Settings through the web chat: language, notifications, an authenticator app for
larger payments, and changing the passcode."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pyotp

from flows.actions.auth import HASHER
from tests.flows.conftest import Teller
from tests.flows.harness import Chat

PASSCODE = "864202"  # james's, teller/demo.py


async def state_of(teller: Teller, chat: Chat) -> dict[str, Any]:
    state = await teller.conversations.store.load("webchat", chat.user_id)
    assert state is not None
    return state


async def test_notifications_are_turned_off_and_on(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Settings")
    assert "What would you like to change?" in chat.text()
    await chat.tap("Notifications")
    assert "Notifications are on." in chat.text()
    await chat.tap("Turn off")
    assert "Done — notifications are off." in chat.text()
    assert (await state_of(teller, chat))["notifications"] is False
    await chat.send(payload="flow:settings:notifications")
    assert "Notifications are off." in chat.text()
    await chat.tap("Turn on")
    assert (await state_of(teller, chat))["notifications"] is True


async def test_the_language_is_changed_from_settings(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Settings")
    await chat.tap("Language")
    await chat.tap("Українська")
    assert (await state_of(teller, chat))["language"] == "uk"
    await chat.send(payload="flow:settings")
    assert "Що ви хочете змінити?" in chat.text()


async def test_an_authenticator_app_is_set_up_after_the_passcode(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Settings")
    await chat.tap("Authenticator app")
    assert "passcode" in chat.text()
    await chat.say(PASSCODE)
    assert chat.kinds()[0] == "image"
    assert "Scan this code with your authenticator app" in chat.text()
    assert "6-digit code" in chat.text()
    frame = (await state_of(teller, chat))["stack"][-1]
    secret = teller.conversations.services.sealer.unseal(frame["slots"]["pending_totp"])
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 500_000) % 1_000_000:06d}"
    await chat.say(wrong)
    assert "That code didn't match" in chat.text()
    await chat.say(pyotp.TOTP(secret).now())
    assert "Your authenticator app is set up" in chat.text()
    james = UUID(teller.customer("james")["customer_id"])
    creds = await teller.conversations.services.credentials.get(james)
    assert creds is not None
    assert creds.totp_secret == secret
    # The secret is gone from the conversation once the app has it.
    assert "pending_totp" not in str(await state_of(teller, chat))


async def test_the_passcode_is_changed_after_the_old_one_is_proved(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Settings")
    await chat.tap("Change passcode")
    await chat.say("111112")
    assert "That passcode isn't right" in chat.text()
    await chat.say(PASSCODE)
    assert "Now choose your new passcode" in chat.text()
    await chat.say("123456")
    await chat.say("123456")
    assert "too easy to guess" in chat.text()
    await chat.say("502817")
    await chat.say("502817")
    assert "Your passcode is set." in chat.text()
    james = UUID(teller.customer("james")["customer_id"])
    creds = await teller.conversations.services.credentials.get(james)
    assert creds is not None
    assert creds.passcode_hash is not None
    assert HASHER.verify(creds.passcode_hash, "502817")
    # No passcode appears in what the conversation kept.
    assert "502817" not in str(await state_of(teller, chat))
