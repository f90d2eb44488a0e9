"""A code a chat starts with (a deep link, ``/webchat?ref=``) is recorded at first contact
and attached, with its channel, to the customer who registers in that chat."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.errors import CoreError
from core.referrals.model import Channel
from flows.store.schema import transcript
from tests.flows.conftest import Teller
from tests.flows.harness import Chat
from tests.flows.test_onboarding import customer_of, register
from tests.integration.test_referrals_support import partner


async def started_with(chat: Chat, code: str) -> None:
    await chat.send(text="/start", referral=code)
    await chat.tap("English")
    await chat.send(payload="cmd:menu")


async def captured(teller: Teller, user: str) -> list[str]:
    async with teller.bank.db.read() as conn:
        rows = await conn.execute(
            select(transcript.c.body).where(
                transcript.c.channel == "webchat",
                transcript.c.user_ref == user,
                transcript.c.direction == "event",
            )
        )
        events = [json.loads(r[0]) for r in rows]
    return [e["code"] for e in events if e.get("event") == "referral_captured"]


async def test_a_promo_code_from_the_link_is_attached_with_its_channel(teller: Teller) -> None:
    program = await partner(teller.bank)
    await teller.bank.referrals.programs.add_promo_code(program.id, SYSTEM, "SPRING24")
    chat = teller.chat("invited-0001")
    await started_with(chat, "spring24")
    assert await captured(teller, "invited-0001") == ["spring24"]

    await register(teller, chat)

    referral = await teller.bank.referrals.attribution.referral(
        await customer_of(teller, "invited-0001")
    )
    assert (referral.program_id, referral.code, referral.channel) == (
        program.id,
        "SPRING24",
        Channel.WEBCHAT,
    )


async def test_an_unknown_code_does_not_stop_registration(teller: Teller) -> None:
    chat = teller.chat("invited-0002")
    await started_with(chat, "NOSUCHCODE")
    await register(teller, chat)
    customer = await customer_of(teller, "invited-0002")
    with pytest.raises(CoreError) as missing:
        await teller.bank.referrals.attribution.referral(customer)
    assert missing.value.code == "REFERRAL_NOT_FOUND"
