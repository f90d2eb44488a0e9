"""Rewards are paid once, through the ledger, when a referred customer qualifies."""

from __future__ import annotations

import logging
from datetime import timedelta
from uuid import UUID

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.customers.model import CustomerView
from core.jobs import Event
from core.ledger.model import AccountStatus, EntryKind
from core.referrals.model import (
    Caps,
    Channel,
    QualifyingEvent,
    ReferralStatus,
    Rejection,
    RewardStatus,
    Role,
    SkipReason,
)
from tests.fakes import MutableClock
from tests.integration.test_referrals_support import (
    balance,
    customer,
    deliver,
    event,
    outbox,
    program,
    referrer,
    release_phone,
    rewards_expense,
    verify,
)


async def referred(bank: Bank, code: str, channel: Channel | None = None) -> CustomerView:
    """A new customer who came with ``code``."""
    friend = await customer(bank)
    await bank.referrals.attribution.attach(friend.id, code, SYSTEM, channel=channel)
    return friend


async def test_a_verified_friend_pays_both_rewards_through_the_ledger(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    friend = await referred(bank, code)

    await verify(bank, friend.id)

    assert await balance(bank, inviter.id) == 1000
    assert await balance(bank, friend.id) == 500
    assert await rewards_expense(bank) == -1500
    referral = await bank.referrals.attribution.referral(friend.id)
    assert referral.status is ReferralStatus.QUALIFIED
    assert referral.verified_at == referral.event_at == bank.clock.now()
    paid = {r.role: r for r in referral.rewards}
    assert {r.status for r in paid.values()} == {RewardStatus.PAID}
    assert paid[Role.REFERRER].customer_id == inviter.id
    entry_id = paid[Role.REFEREE].entry_id
    assert entry_id is not None
    entry = await bank.ledger.entry(entry_id)
    assert entry.kind is EntryKind.REWARD
    assert entry.description == "Welcome reward"
    notices = await outbox(bank, "referral.rewarded")
    assert sorted((n["role"], n["customer_id"], n["amount"]) for n in notices) == [
        ("referee", str(friend.id), 500),
        ("referrer", str(inviter.id), 1000),
    ]
    assert (await bank.verify_ledger()).ok
    assert (await bank.verify_audit()).ok


async def test_a_redelivered_event_pays_nothing_more(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await verify(bank, friend.id)
    for _ in range(3):
        await deliver(bank, "kyc.decided", customer_id=friend.id, decision="verified")
    assert (await balance(bank, inviter.id), await balance(bank, friend.id)) == (1000, 500)
    assert len(await outbox(bank, "referral.rewarded")) == 2


async def test_events_of_customers_nobody_referred_change_nothing(bank: Bank) -> None:
    await program(bank)
    stranger = await customer(bank)
    await verify(bank, stranger.id)
    await deliver(
        bank, "card.issued", customer_id=stranger.id, card_id="c", account_id="a", tier="d"
    )
    assert await rewards_expense(bank) == 0
    assert await outbox(bank, "referral.rewarded") == []


@pytest.mark.parametrize("decision", ["manual_review", "rejected"])
async def test_a_kyc_decision_other_than_verified_does_not_qualify(
    bank: Bank, decision: str
) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await verify(bank, friend.id, decision)
    referral = await bank.referrals.attribution.referral(friend.id)
    assert (referral.status, referral.verified_at, referral.rewards) == (
        ReferralStatus.ATTACHED,
        None,
        (),
    )


async def test_a_card_program_pays_when_the_card_is_issued_after_verification(bank: Bank) -> None:
    p = await program(bank, qualifying_event=QualifyingEvent.CARD_ISSUED)
    inviter, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await verify(bank, friend.id)
    assert await balance(bank, friend.id) == 0
    assert (await bank.referrals.attribution.referral(friend.id)).verified_at is not None

    account = await bank.accounts.open(friend.id, "EUR", SYSTEM)
    await deliver(
        bank,
        "card.issued",
        card_id="card-1",
        customer_id=friend.id,
        account_id=account.id,
        tier="digital",
    )
    assert (await balance(bank, inviter.id), await balance(bank, friend.id)) == (1000, 500)


async def test_a_verification_still_unseen_is_read_from_the_customer(bank: Bank) -> None:
    p = await program(bank, qualifying_event=QualifyingEvent.CARD_ISSUED)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    from core.customers.model import KycStatus

    # The card event reaches the subscriber before the KYC decision's event does.
    await bank.customers.set_kyc_status(friend.id, KycStatus.VERIFIED, SYSTEM)
    await deliver(
        bank, "card.issued", card_id="c", customer_id=friend.id, account_id="a", tier="d"
    )
    assert await balance(bank, friend.id) == 500


async def test_only_a_big_enough_top_up_in_the_right_currency_qualifies(bank: Bank) -> None:
    p = await program(
        bank,
        qualifying_event=QualifyingEvent.FIRST_TOPUP,
        min_topup=2000,
        min_topup_currency="EUR",
    )
    inviter, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await verify(bank, friend.id)
    for amount, currency in ((1999, "EUR"), (5000, "CZK")):
        await deliver(
            bank,
            "topup.completed",
            customer_id=friend.id,
            account_id="a",
            entry_id="e",
            amount=amount,
            currency=currency,
        )
    assert await balance(bank, inviter.id) == 0
    await deliver(
        bank,
        "topup.completed",
        customer_id=friend.id,
        account_id="a",
        entry_id="e",
        amount=2000,
        currency="eur",
    )
    assert (await balance(bank, inviter.id), await balance(bank, friend.id)) == (1000, 500)


async def test_a_top_up_before_verification_counts_once_verified(bank: Bank) -> None:
    p = await program(
        bank, qualifying_event=QualifyingEvent.FIRST_TOPUP, min_topup=100, min_topup_currency="EUR"
    )
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await deliver(
        bank,
        "topup.completed",
        customer_id=friend.id,
        account_id="a",
        entry_id="e",
        amount=100,
        currency="EUR",
    )
    assert await balance(bank, friend.id) == 0
    await verify(bank, friend.id)
    assert await balance(bank, friend.id) == 500


async def test_rewards_go_to_the_oldest_open_account_in_their_currency(
    bank: Bank, clock: MutableClock
) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await bank.accounts.open(friend.id, "CZK", SYSTEM)
    clock.advance(seconds=1)
    first = await bank.accounts.open(friend.id, "EUR", SYSTEM)
    clock.advance(seconds=1)
    await bank.accounts.open(friend.id, "EUR", SYSTEM)
    await verify(bank, friend.id)
    assert (await bank.ledger.balance(first.id)).ledger == 500


async def test_a_customer_without_an_account_in_the_currency_gets_one(bank: Bank) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await bank.accounts.open(friend.id, "CZK", SYSTEM)
    await verify(bank, friend.id)
    opened = [a for a in await bank.accounts.for_customer(friend.id) if a.currency == "EUR"]
    assert [(a.name, a.balance) for a in opened] == [("Rewards", 500)]


async def test_a_frozen_account_keeps_the_reward_pending_until_the_sweep(bank: Bank) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    account = await bank.accounts.open(friend.id, "EUR", SYSTEM)
    await bank.accounts.freeze(account.id, SYSTEM, "review")
    await verify(bank, friend.id)
    referee = next(
        r
        for r in (await bank.referrals.attribution.referral(friend.id)).rewards
        if r.role is Role.REFEREE
    )
    assert referee.status is RewardStatus.PENDING  # frozen accounts are waited for
    assert await bank.referrals.rewards.pay_pending() == 0

    await bank.accounts.unfreeze(account.id, SYSTEM, "cleared")
    sweep = next(p for p in bank.jobs().periodic if p.name == "referrals.pay_pending")
    await sweep.handler(bank.clock.now())
    assert (await bank.ledger.balance(account.id)).ledger == 500
    assert account.status is AccountStatus.OPEN
    assert len(await outbox(bank, "referral.rewarded")) == 2


async def test_the_subscriber_and_the_sweep_are_the_banks_jobs(bank: Bank) -> None:
    jobs = bank.jobs()
    (subscriber,) = [s for s in jobs.subscribers if s.name == "referrals.rewards"]
    assert subscriber.types == {"kyc.decided", "card.issued", "topup.completed"}
    assert [p.name for p in jobs.periodic if p.name.startswith("referrals.")] == [
        "referrals.pay_pending"
    ]


async def test_a_malformed_event_is_logged_and_skipped(
    bank: Bank, caplog: pytest.LogCaptureFixture
) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    caplog.set_level(logging.WARNING, "core.referrals.rewards")
    for made in (
        event(bank, "kyc.decided", decision="verified"),
        event(bank, "topup.completed", customer_id=str(friend.id), amount="12", currency="EUR"),
        Event(1, "card.issued", "x", {"customer_id": "not-a-uuid"}, bank.clock.now()),
    ):
        await bank.referrals.rewards.handle(made)
    assert len([r for r in caplog.records if "malformed" in r.getMessage()]) == 3
    assert (await bank.referrals.attribution.referral(friend.id)).status is ReferralStatus.ATTACHED


# -- no reward: the rules ------------------------------------------------------------------


async def rejection_of(bank: Bank, customer_id: UUID) -> Rejection | None:
    referral = await bank.referrals.attribution.referral(customer_id)
    assert referral.status is ReferralStatus.REJECTED
    assert referral.rewards == ()
    return referral.rejection


async def test_the_referrers_own_document_is_a_self_referral(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await bank.referrals.attribution.record_document(inviter.id, "CZ", "123456789", SYSTEM)
    await bank.referrals.attribution.record_document(friend.id, "cz", "1234-56789", SYSTEM)
    await verify(bank, friend.id)
    assert await rejection_of(bank, friend.id) is Rejection.SELF_REFERRAL
    assert (await balance(bank, inviter.id), await rewards_expense(bank)) == (0, 0)


async def test_a_document_another_customer_showed_earns_nothing(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    already = await customer(bank)  # the same person's first account
    await bank.referrals.attribution.record_document(already.id, "UA", "FE123456", SYSTEM)
    friend = await referred(bank, code)
    await bank.referrals.attribution.record_document(friend.id, "UA", "fe 123456", SYSTEM)
    await verify(bank, friend.id)
    assert await rejection_of(bank, friend.id) is Rejection.REPEATED_DOCUMENT
    assert await balance(bank, inviter.id) == 0


async def test_the_same_number_in_another_country_is_another_document(bank: Bank) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    other = await customer(bank)
    await bank.referrals.attribution.record_document(other.id, "SK", "AB123456", SYSTEM)
    friend = await referred(bank, code)
    await bank.referrals.attribution.record_document(friend.id, "CZ", "AB123456", SYSTEM)
    await verify(bank, friend.id)
    assert await balance(bank, friend.id) == 500


async def test_a_phone_number_that_earned_once_earns_no_more(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    phone = "+420 777 123 456"
    first = await customer(bank, phone=phone)
    await bank.referrals.attribution.attach(first.id, code, SYSTEM)
    await release_phone(bank, first.id)  # the number is free again…
    second = await customer(bank, phone=phone)  # …and comes back as a new customer
    await bank.referrals.attribution.attach(second.id, code, SYSTEM)

    await verify(bank, first.id)
    await verify(bank, second.id)
    assert await rejection_of(bank, second.id) is Rejection.REPEATED_PHONE
    assert await balance(bank, inviter.id) == 1000  # for the first only
    assert await balance(bank, second.id) == 0


async def test_a_paused_program_decides_no_rewards(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    friend = await referred(bank, code)
    await bank.referrals.programs.pause(p.id, SYSTEM)
    await verify(bank, friend.id)
    assert await rejection_of(bank, friend.id) is Rejection.PROGRAM_PAUSED
    assert await balance(bank, inviter.id) == 0


async def test_a_program_that_ended_before_the_event_pays_nothing(
    bank: Bank, clock: MutableClock
) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    clock.advance(days=31)
    await verify(bank, friend.id)
    assert await rejection_of(bank, friend.id) is Rejection.PROGRAM_ENDED


# -- caps and velocity -----------------------------------------------------------------------


async def friends_verified(bank: Bank, code: str, n: int) -> list[list[str]]:
    """Refer and verify ``n`` friends; the roles paid, per friend, in order."""
    paid = []
    for _ in range(n):
        friend = await referred(bank, code)
        await verify(bank, friend.id)
        rewards = (await bank.referrals.attribution.referral(friend.id)).rewards
        paid.append(sorted(r.role.value for r in rewards if r.status is RewardStatus.PAID))
    return paid


async def skip_reasons(bank: Bank, referrer_id: UUID) -> list[SkipReason | None]:
    """Why each of the referrer's rewards was skipped (None: granted), in no set order."""
    from sqlalchemy import select

    from core.referrals.tables import referral_rewards

    async with bank.db.read() as conn:
        rows = await conn.execute(
            select(referral_rewards.c.reason).where(referral_rewards.c.customer_id == referrer_id)
        )
        return [None if r[0] is None else SkipReason(r[0]) for r in rows]


async def test_a_referrer_is_rewarded_up_to_their_cap_and_friends_still_are(bank: Bank) -> None:
    p = await program(bank, caps=Caps(referrer_rewards=2))
    inviter, code = await referrer(bank, p)
    paid = await friends_verified(bank, code, 3)
    assert paid == [["referee", "referrer"], ["referee", "referrer"], ["referee"]]
    assert await balance(bank, inviter.id) == 2000
    assert sorted(map(str, await skip_reasons(bank, inviter.id))) == [
        "None",
        "None",
        "referrer_cap",
    ]


async def test_a_referrer_amount_cap_stops_the_reward_that_would_pass_it(bank: Bank) -> None:
    p = await program(bank, caps=Caps(referrer_amount=2500))
    inviter, code = await referrer(bank, p)
    await friends_verified(bank, code, 3)
    assert await balance(bank, inviter.id) == 2000


async def test_velocity_caps_rewards_per_referrer_in_any_24_hours(
    bank: Bank, clock: MutableClock
) -> None:
    p = await program(bank, caps=Caps(referrer_rewards_per_day=2))
    inviter, code = await referrer(bank, p)
    paid = await friends_verified(bank, code, 3)
    assert [len(roles) for roles in paid] == [2, 2, 1]
    assert sorted(map(str, await skip_reasons(bank, inviter.id))) == ["None", "None", "velocity"]
    clock.advance(hours=23)
    assert [len(roles) for roles in await friends_verified(bank, code, 1)] == [1]
    clock.advance(hours=1, seconds=1)
    assert [len(roles) for roles in await friends_verified(bank, code, 1)] == [2]
    assert await balance(bank, inviter.id) == 3000


async def test_a_program_rewards_no_more_referrals_than_its_cap(bank: Bank) -> None:
    p = await program(bank, caps=Caps(program_referrals=2))
    _, code = await referrer(bank, p)
    await friends_verified(bank, code, 2)
    late = await referred(bank, code)
    await verify(bank, late.id)
    assert await rejection_of(bank, late.id) is Rejection.PROGRAM_CAP
    assert await rewards_expense(bank) == -3000


async def test_a_program_budget_pays_the_new_customer_first(bank: Bank) -> None:
    p = await program(bank, caps=Caps(program_amount=2000))
    inviter, code = await referrer(bank, p)
    paid = await friends_verified(bank, code, 3)
    # 1500 for the first pair; 500 left: the second friend's 500 fits, its referrer's 1000
    # does not; then nothing fits.
    assert paid == [["referee", "referrer"], ["referee"], []]
    assert await rewards_expense(bank) == -2000
    assert await balance(bank, inviter.id) == 1000


async def test_caps_count_only_their_own_program(bank: Bank) -> None:
    first = await program(bank, caps=Caps(referrer_rewards=1))
    second = await program(bank, caps=Caps(referrer_rewards=1))
    inviter, code = await referrer(bank, first)
    other_code = (await bank.referrals.attribution.issue_code(second.id, inviter.id, SYSTEM)).code
    await friends_verified(bank, code, 1)
    await friends_verified(bank, other_code, 1)
    assert await balance(bank, inviter.id) == 2000


# -- statistics -----------------------------------------------------------------------------


async def test_statistics_count_invited_verified_rewarded_and_paid_out(
    bank: Bank, clock: MutableClock
) -> None:
    p = await program(bank, caps=Caps(referrer_rewards=1))
    inviter, code = await referrer(bank, p)
    a = await referred(bank, code, Channel.TELEGRAM)
    b = await referred(bank, code, Channel.TELEGRAM)
    c = await referred(bank, code, Channel.VIBER)
    await referred(bank, code)  # no channel known
    await verify(bank, a.id)
    await verify(bank, b.id)
    await bank.referrals.programs.pause(p.id, SYSTEM)
    await verify(bank, c.id)  # verified, but nothing paid

    stats = await bank.referrals.stats(p.id)
    total = stats.total
    assert (total.invited, total.verified, total.rewarded) == (4, 3, 2)
    assert total.paid_out == {"EUR": 1000 + 500 + 500}
    telegram, viber = stats.by_channel[Channel.TELEGRAM], stats.by_channel[Channel.VIBER]
    assert (telegram.invited, telegram.verified, telegram.rewarded) == (2, 2, 2)
    assert telegram.paid_out == {"EUR": 2000}
    assert (viber.invited, viber.verified, viber.rewarded, dict(viber.paid_out)) == (1, 1, 0, {})
    assert set(stats.by_channel) == {Channel.TELEGRAM, Channel.VIBER}

    summary = await bank.referrals.attribution.summary(p.id, inviter.id)
    assert (summary.code, summary.invited, summary.rewarded) == (code, 4, 1)
    assert summary.earned == {"EUR": 1000}


async def test_a_program_nobody_used_has_empty_statistics(bank: Bank) -> None:
    p = await program(bank)
    stats = await bank.referrals.stats(p.id)
    assert (stats.total.invited, stats.total.rewarded, stats.total.paid_out) == (0, 0, {})
    assert stats.by_channel == {}


async def test_rewards_are_recorded_with_the_time_they_were_decided(
    bank: Bank, clock: MutableClock
) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    friend = await referred(bank, code)
    clock.advance(minutes=5)
    await verify(bank, friend.id)
    referral = await bank.referrals.attribution.referral(friend.id)
    assert referral.decided_at == clock.now()
    assert referral.attached_at == clock.now() - timedelta(minutes=5)
    assert all(r.paid_at == clock.now() for r in referral.rewards)
