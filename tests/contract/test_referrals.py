"""One contract for the referral part of every ``BankAPI``: ``LocalBank`` and ``HttpBank``
return the same values and raise the same error class with the same code."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.referrals.model import Caps, CashbackRate, CashbackScope
from integrations.bank import (
    BankAPI,
    BankError,
    CashbackOffer,
    Conflict,
    InvalidRequest,
    NotFound,
    ReferralChannel,
)
from integrations.bank.referrals import (
    ProgramKind,
    ProgramStatus,
    QualifyingEvent,
    ReferralRole,
    ReferralStatus,
    RewardStatus,
)
from tests.fakes import MutableClock
from tests.integration.test_referrals_support import partner, program, verify


async def verified(api: BankAPI, bank: Bank, name: str = "Petra Svobodová") -> UUID:
    customer = await api.register_customer(name, "cs")
    await verify(bank, customer.id)
    return customer.id


async def test_running_programs_are_listed_with_their_promise(
    bank_api: BankAPI, bank: Bank, clock: MutableClock
) -> None:
    running = await program(
        bank,
        name="Friends 2026",
        descriptions={"en": "Invite a friend", "uk": "Запросіть друга"},
        caps=Caps(referrer_rewards=10),
    )
    await program(bank, starts_at=clock.now() + timedelta(days=1))  # scheduled
    await program(bank, paused=True)
    listed = await bank_api.list_referral_programs()
    assert [p.id for p in listed] == [running.id]
    (shown,) = listed
    assert (shown.name, shown.kind, shown.status) == (
        "Friends 2026",
        ProgramKind.REFERRAL,
        ProgramStatus.ACTIVE,
    )
    assert shown.qualifying_event is QualifyingEvent.KYC_VERIFIED
    assert (shown.referee_reward.minor, shown.referrer_reward.minor) == (500, 1000)
    assert shown.referee_reward.currency == "EUR"
    assert shown.description("uk") == "Запросіть друга"
    assert shown.description("cs") == "Invite a friend"  # none in Czech: English


async def test_a_referrer_gets_a_code_a_friend_attaches_it_and_both_are_paid(
    bank_api: BankAPI, bank: Bank
) -> None:
    p = await program(bank)
    inviter = await verified(bank_api, bank)
    code = await bank_api.issue_referral_code(p.id, inviter)
    assert (await bank_api.issue_referral_code(p.id, inviter)) == code
    assert (code.referrer_id, code.program.id) == (inviter, p.id)

    looked_up = await bank_api.lookup_referral_code(code.code.lower())
    assert looked_up == code

    friend = await bank_api.register_customer("Taras Shevchenko", "uk")
    attached = await bank_api.attach_referral_code(
        friend.id, code.code, channel=ReferralChannel.VIBER
    )
    assert (attached.status, attached.channel, attached.referrer_id) == (
        ReferralStatus.ATTACHED,
        ReferralChannel.VIBER,
        inviter,
    )
    assert await bank_api.get_referral(friend.id) == attached

    await verify(bank, friend.id)
    referral = await bank_api.get_referral(friend.id)
    assert referral.status is ReferralStatus.QUALIFIED
    rewards = {r.role: r for r in referral.rewards}
    assert rewards[ReferralRole.REFEREE].amount.minor == 500
    assert rewards[ReferralRole.REFERRER].customer_id == inviter
    assert {r.status for r in rewards.values()} == {RewardStatus.PAID}
    entry_id = rewards[ReferralRole.REFEREE].entry_id
    assert entry_id is not None
    entry = await bank_api.get_entry(entry_id)
    assert entry.kind.value == "reward"

    summary = await bank_api.get_referrer_summary(p.id, inviter)
    assert (summary.code, summary.invited, summary.rewarded) == (code.code, 1, 1)
    assert summary.earned_minor == {"EUR": 1000}


async def test_refusals_have_the_same_class_and_code(bank_api: BankAPI, bank: Bank) -> None:
    p = await program(bank)
    inviter = await verified(bank_api, bank)
    code = (await bank_api.issue_referral_code(p.id, inviter)).code
    friend = (await bank_api.register_customer("Ivan Petrov", "ru")).id
    unverified = (await bank_api.register_customer("Nina Petrova", "ru")).id
    shop = await partner(bank)
    cases: list[tuple[Callable[[], Awaitable[object]], type[BankError], str]] = [
        (lambda: bank_api.lookup_referral_code("NOSUCH99"), NotFound, "REFERRAL_CODE_NOT_FOUND"),
        (lambda: bank_api.lookup_referral_code("a/b?c"), NotFound, "REFERRAL_CODE_NOT_FOUND"),
        (lambda: bank_api.lookup_referral_code(""), NotFound, "REFERRAL_CODE_NOT_FOUND"),
        (
            lambda: bank_api.attach_referral_code(friend, "NOSUCH99"),
            NotFound,
            "REFERRAL_CODE_NOT_FOUND",
        ),
        (lambda: bank_api.attach_referral_code(uuid4(), code), NotFound, "CUSTOMER_NOT_FOUND"),
        (lambda: bank_api.attach_referral_code(inviter, code), InvalidRequest, "SELF_REFERRAL"),
        (
            # Not a channel: what a caller ignoring the types might send.
            lambda: bank_api.attach_referral_code(friend, code, channel="pigeon"),  # type: ignore[arg-type]
            InvalidRequest,
            "VALIDATION_ERROR",
        ),
        (
            lambda: bank_api.issue_referral_code(p.id, unverified),
            Conflict,
            "REFERRER_NOT_VERIFIED",
        ),
        (
            lambda: bank_api.issue_referral_code(shop.id, inviter),
            InvalidRequest,
            "WRONG_PROGRAM_KIND",
        ),
        (lambda: bank_api.issue_referral_code(uuid4(), inviter), NotFound, "PROGRAM_NOT_FOUND"),
        (lambda: bank_api.get_referral(friend), NotFound, "REFERRAL_NOT_FOUND"),
        (lambda: bank_api.get_referrer_summary(uuid4(), inviter), NotFound, "PROGRAM_NOT_FOUND"),
        (lambda: bank_api.get_referrer_summary(p.id, uuid4()), NotFound, "CUSTOMER_NOT_FOUND"),
        (lambda: bank_api.list_cashback_offers(uuid4()), NotFound, "CUSTOMER_NOT_FOUND"),
        (lambda: bank_api.list_cashback_offers(friend, "54"), InvalidRequest, "VALIDATION_ERROR"),
    ]
    for attempt, kind, error_code in cases:
        with pytest.raises(kind) as caught:
            await attempt()
        assert caught.value.code == error_code

    await bank_api.attach_referral_code(friend, code)
    for again, error_code in (
        (bank_api.attach_referral_code(friend, code), "ALREADY_REFERRED"),
        (bank_api.attach_referral_code(inviter, "NOSUCH99"), "REFERRAL_CODE_NOT_FOUND"),
    ):
        with pytest.raises((Conflict, NotFound)) as caught_again:
            await again
        assert caught_again.value.code == error_code

    settled = await verified(bank_api, bank, "Olga Ivanova")
    with pytest.raises(Conflict) as late:
        await bank_api.attach_referral_code(settled, code)
    assert late.value.code == "ALREADY_QUALIFIED"

    await bank.referrals.programs.pause(p.id, SYSTEM)
    newcomer = (await bank_api.register_customer("Pavel Novák", "cs")).id
    with pytest.raises(Conflict) as paused:
        await bank_api.attach_referral_code(newcomer, code)
    assert paused.value.code == "PROGRAM_PAUSED"


async def test_partner_cashback_offers_are_the_customers_best_first(
    bank_api: BankAPI, bank: Bank
) -> None:
    everyone = await partner(
        bank,
        partner_name="Rohlík",
        cashback=(CashbackRate("5411", 500), CashbackRate("5814", 1000)),
    )
    members = await partner(
        bank,
        partner_name="Kino",
        cashback=(CashbackRate("7832", 3300),),
        cashback_scope=CashbackScope.MEMBERS,
    )
    await bank.referrals.programs.add_promo_code(members.id, SYSTEM, "KINO33")
    member = (await bank_api.register_customer("Eva Malá", "cs")).id
    await bank_api.attach_referral_code(member, "kino-33")
    other = (await bank_api.register_customer("Jan Velký", "cs")).id

    assert await bank_api.list_cashback_offers(member) == [
        CashbackOffer(members.id, "Kino", "7832", 3300),
        CashbackOffer(everyone.id, "Rohlík", "5814", 1000),
        CashbackOffer(everyone.id, "Rohlík", "5411", 500),
    ]
    assert [o.category for o in await bank_api.list_cashback_offers(other)] == ["5814", "5411"]
    assert await bank_api.list_cashback_offers(other, "5411") == [
        CashbackOffer(everyone.id, "Rohlík", "5411", 500)
    ]
    assert await bank_api.list_cashback_offers(other, "7832") == []
