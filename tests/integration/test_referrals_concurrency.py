"""Concurrent reward triggers pay exactly once, on real PostgreSQL (row locks, READ
COMMITTED, the ledger's idempotency keys)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.actors import SYSTEM
from core.bank import Bank
from core.customers.model import KycStatus
from core.ledger.model import EntryKind
from core.persistence.tables import entries
from core.referrals.model import Caps, QualifyingEvent, RewardStatus
from core.referrals.tables import referral_rewards
from tests.integration.test_referrals_support import (
    balance,
    customer,
    event,
    outbox,
    program,
    referrer,
    rewards_expense,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


async def reward_entries(bank: Bank) -> int:
    async with bank.db.read() as conn:
        query = (
            select(func.count())
            .select_from(entries)
            .where(entries.c.kind == EntryKind.REWARD.value)
        )
        return int((await conn.execute(query)).scalar_one())


async def test_one_event_delivered_many_times_at_once_pays_once(bank: Bank) -> None:
    p = await program(bank)
    inviter, code = await referrer(bank, p)
    friend = await customer(bank)
    await bank.referrals.attribution.attach(friend.id, code, SYSTEM)
    await bank.customers.set_kyc_status(friend.id, KycStatus.VERIFIED, SYSTEM)
    decided = event(bank, "kyc.decided", customer_id=str(friend.id), decision="verified")

    await asyncio.gather(*(bank.referrals.rewards.handle(decided) for _ in range(12)))

    assert (await balance(bank, inviter.id), await balance(bank, friend.id)) == (1000, 500)
    assert await reward_entries(bank) == 2
    assert len(await outbox(bank, "referral.rewarded")) == 2
    report = await bank.verify_ledger()
    assert report.ok, report.problems
    assert (await bank.verify_audit()).ok


async def test_two_qualifying_events_at_once_pay_once(bank: Bank) -> None:
    p = await program(bank, qualifying_event=QualifyingEvent.CARD_ISSUED)
    inviter, code = await referrer(bank, p)
    friend = await customer(bank)
    await bank.referrals.attribution.attach(friend.id, code, SYSTEM)
    await bank.customers.set_kyc_status(friend.id, KycStatus.VERIFIED, SYSTEM)
    triggers = [
        event(bank, "kyc.decided", customer_id=str(friend.id), decision="verified"),
        *(
            event(
                bank,
                "card.issued",
                customer_id=str(friend.id),
                card_id=f"c{i}",
                account_id="a",
                tier="d",
            )
            for i in range(6)
        ),
    ]
    await asyncio.gather(
        *(bank.referrals.rewards.handle(e) for e in triggers),
        bank.referrals.rewards.pay_pending(),
        bank.referrals.rewards.pay_pending(),
    )
    await bank.referrals.rewards.pay_pending()
    assert (await balance(bank, inviter.id), await balance(bank, friend.id)) == (1000, 500)
    assert await reward_entries(bank) == 2
    assert len(await outbox(bank, "referral.rewarded")) == 2
    assert (await bank.verify_ledger()).ok


async def test_friends_qualifying_together_respect_the_referrers_cap(bank: Bank) -> None:
    p = await program(bank, caps=Caps(referrer_rewards=3))
    inviter, code = await referrer(bank, p)
    friends = [await customer(bank) for _ in range(10)]
    for friend in friends:
        await bank.referrals.attribution.attach(friend.id, code, SYSTEM)
        await bank.customers.set_kyc_status(friend.id, KycStatus.VERIFIED, SYSTEM)
    triggers = [
        event(bank, "kyc.decided", customer_id=str(f.id), decision="verified") for f in friends
    ]
    await asyncio.gather(*(bank.referrals.rewards.handle(e) for e in triggers * 2))

    assert await balance(bank, inviter.id) == 3 * 1000
    # Three pairs, then the friends' 500 alone: every decision saw the ones before it.
    assert await rewards_expense(bank) == -(3 * 1500 + 7 * 500)
    paid_friends = [await balance(bank, f.id) for f in friends]
    assert paid_friends == [500] * 10
    stats = await bank.referrals.stats(p.id)
    assert (stats.total.rewarded, stats.total.paid_out) == (10, {"EUR": 8000})
    assert (await bank.verify_ledger()).ok


async def test_a_tight_budget_is_never_overspent_under_concurrency(bank: Bank) -> None:
    p = await program(bank, caps=Caps(program_amount=3000, program_referrals=100))
    inviters = [await referrer(bank, p) for _ in range(6)]
    friends = []
    for _, code in inviters:
        friend = await customer(bank)
        await bank.referrals.attribution.attach(friend.id, code, SYSTEM)
        await bank.customers.set_kyc_status(friend.id, KycStatus.VERIFIED, SYSTEM)
        friends.append(friend)
    await asyncio.gather(
        *(
            bank.referrals.rewards.handle(
                event(bank, "kyc.decided", customer_id=str(f.id), decision="verified")
            )
            for f in friends
        )
    )
    spent = -await rewards_expense(bank)
    assert spent <= 3000
    assert spent == 3000  # 1500 + 1500: two full pairs, then nothing fits
    async with bank.db.read() as conn:
        granted = (
            await conn.execute(
                select(func.count()).where(referral_rewards.c.status == RewardStatus.PAID.value)
            )
        ).scalar_one()
    assert granted == 4
