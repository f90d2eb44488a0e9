"""Inviting friends through the web chat: the code, the link and the picture, what the
invitations earned, and partners' cashback."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from core.actors import Actor, ActorKind
from core.referrals.model import CashbackRate, ProgramKind, ProgramTerms, QualifyingEvent
from tests.flows import money_support
from tests.flows.conftest import Teller

# The bank with the simulated acquirer, biller gateway and rates (money_support).
acquirer, bank, gateway = money_support.acquirer, money_support.bank, money_support.gateway

MARKETER = Actor(ActorKind.STAFF, "marketer")


async def test_a_customer_gets_their_code_link_and_picture(teller: Teller) -> None:
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.tap("Invite friends")
    assert chat.kinds()[0] == "image"
    text = chat.text()
    assert "Your invitation code: DEMO" in text
    code = text.split("Your invitation code: ")[1].split()[0]
    assert f"http://teller.test/webchat?ref={code}" in text
    assert "you get €10 and they get €5" in text
    assert {"My rewards", "Partner offers", "Menu"} <= set(chat.buttons())
    # The same code every time.
    await chat.send(payload="flow:invite")
    assert f"Your invitation code: {code}" in chat.text()
    # The code is a real one: a friend who opens the link is attached to james.
    found = await teller.conversations.services.bank.lookup_referral_code(code)
    assert found.referrer_id == UUID(teller.customer("james")["customer_id"])


async def test_rewards_count_the_friends_invited(teller: Teller) -> None:
    api = teller.conversations.services.bank
    chat = teller.as_customer("james")
    await chat.begin("en")
    await chat.send(payload="flow:invite:rewards")
    assert "You've invited 0 friends" in chat.text()
    assert "You get €10.00 for each friend" in chat.text()
    await chat.send(payload="flow:invite")
    code = chat.text().split("Your invitation code: ")[1].split()[0]
    await api.attach_referral_code(UUID(teller.customer("petr")["customer_id"]), code)
    await chat.tap("My rewards")
    assert "You've invited 1 friends; 0 of them earned you a reward." in chat.text()
    assert "Earned so far: €0.00." in chat.text()


async def test_partner_offers_are_listed_best_first_in_the_customers_language(
    teller: Teller,
) -> None:
    chat = teller.as_customer("anna")
    await chat.begin("en")
    await chat.send(payload="flow:invite:offers")
    assert "There are no partner offers right now" in chat.text()
    terms = ProgramTerms(
        name="Rohlík cashback",
        kind=ProgramKind.PARTNER,
        qualifying_event=QualifyingEvent.KYC_VERIFIED,
        reward_currency="EUR",
        referrer_reward=0,
        referee_reward=0,
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        descriptions={"en": "Cashback at Rohlík"},
        partner_name="Rohlík",
        cashback=(CashbackRate("5411", 500), CashbackRate("5814", 250)),
    )
    await teller.bank.referrals.programs.create(terms, MARKETER)
    await chat.send(payload="flow:invite:offers")
    lines = chat.text().splitlines()
    assert "• Rohlík: 5 % on groceries" in lines
    assert "• Rohlík: 2.5 % on fast food" in lines
    assert lines.index("• Rohlík: 5 % on groceries") < lines.index("• Rohlík: 2.5 % on fast food")
    await chat.begin("cs")
    await chat.send(payload="flow:invite:offers")
    assert "• Rohlík: 5 % za potraviny" in chat.text()
