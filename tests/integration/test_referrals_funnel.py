"""The funnel of a program's customers: signed up, verified, card issued, first top-up,
rewarded — for the program and per channel."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert

from core.actors import SYSTEM
from core.bank import Bank
from core.cardmoney.tables import cardmoney_topups
from core.errors import CoreError
from core.referrals.funnel import Stages
from core.referrals.model import Channel
from tests.integration.test_referrals_support import customer, program, referrer, verify


async def came_with(bank: Bank, code: str, channel: Channel | None) -> UUID:
    friend = await customer(bank)
    await bank.referrals.attribution.attach(friend.id, code, SYSTEM, channel=channel)
    return friend.id


async def topped_up(bank: Bank, customer_id: UUID, status: str = "completed") -> None:
    account = (await bank.accounts.for_customer(customer_id))[0]
    now = bank.clock.now()
    async with bank.db.transaction() as conn:
        await conn.execute(
            insert(cardmoney_topups).values(
                id=uuid4(),
                customer_id=customer_id,
                account_id=account.id,
                amount=10_000,
                fee=0,
                currency="EUR",
                status=status,
                return_url="https://teller.test/back",
                expires_at=now + timedelta(minutes=30),
                created_at=now,
                updated_at=now,
            )
        )


async def test_the_funnel_follows_each_referred_customer_by_channel(bank: Bank) -> None:
    p = await program(bank)
    _, code = await referrer(bank, p)
    far = await came_with(bank, code, Channel.TELEGRAM)
    await verify(bank, far)  # both rewards paid on verification
    account = await bank.accounts.open(far, "EUR", SYSTEM)
    await bank.cards.issue(far, account.id, "digital", SYSTEM)
    await topped_up(bank, far)
    halfway = await came_with(bank, code, Channel.TELEGRAM)
    await bank.accounts.open(halfway, "EUR", SYSTEM)
    await topped_up(bank, halfway, status="failed")  # a failed top-up is no top-up
    await came_with(bank, code, Channel.VIBER)
    await came_with(bank, code, None)

    funnel = await bank.referrals.funnel(p.id)

    assert funnel.total == Stages(
        signed_up=4, verified=1, card_issued=1, first_topup=1, rewarded=1
    )
    assert funnel.by_channel == {
        Channel.TELEGRAM: Stages(2, 1, 1, 1, 1),
        Channel.VIBER: Stages(1, 0, 0, 0, 0),
    }


async def test_an_unused_program_has_an_empty_funnel_and_an_unknown_one_is_refused(
    bank: Bank,
) -> None:
    p = await program(bank)
    funnel = await bank.referrals.funnel(p.id)
    assert (funnel.total, dict(funnel.by_channel)) == (Stages(), {})
    with pytest.raises(CoreError) as refused:
        await bank.referrals.funnel(uuid4())
    assert refused.value.code == "PROGRAM_NOT_FOUND"
