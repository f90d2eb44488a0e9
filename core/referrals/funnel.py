"""How far the customers a program brought have come: signed up with its code, verified,
card issued, first top-up, rewarded — for the program and per channel.

The stages before (a link opened, a conversation started) happen before there is a
customer; the back office counts them where they are recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.cardmoney.model import TopUpStatus
from core.cardmoney.tables import cardmoney_topups
from core.cards.tables import cards
from core.referrals import repository as repo
from core.referrals.model import Channel, RewardStatus
from core.referrals.tables import referral_rewards, referrals


@dataclass(frozen=True, slots=True)
class Stages:
    """Referred customers who reached each stage (each counts once per stage)."""

    signed_up: int = 0  # registered with the program's code attached
    verified: int = 0
    card_issued: int = 0
    first_topup: int = 0  # a completed top-up
    rewarded: int = 0  # at least one of the referral's rewards paid


@dataclass(frozen=True, slots=True)
class ProgramFunnel:
    program_id: UUID
    total: Stages
    # Referrals whose channel is known, by channel; the total counts the others too.
    by_channel: Mapping[Channel, Stages] = field(default_factory=dict)


async def program_funnel(conn: AsyncConnection, program_id: UUID) -> ProgramFunnel:
    """The program's funnel from sign-up on (``PROGRAM_NOT_FOUND`` for an unknown id)."""
    await repo.find_program(conn, program_id)
    customer = referrals.c.customer_id
    has_card = select(cards.c.id).where(cards.c.customer_id == customer).exists()
    topped_up = (
        select(cardmoney_topups.c.id)
        .where(
            cardmoney_topups.c.customer_id == customer,
            cardmoney_topups.c.status == TopUpStatus.COMPLETED.value,
        )
        .exists()
    )
    paid = (
        select(referral_rewards.c.id)
        .where(
            referral_rewards.c.referral_id == referrals.c.id,
            referral_rewards.c.status == RewardStatus.PAID.value,
        )
        .exists()
    )
    rows = await conn.execute(
        select(
            referrals.c.channel,
            referrals.c.verified_at.is_not(None),
            has_card,
            topped_up,
            paid,
        ).where(referrals.c.program_id == program_id)
    )
    counts: dict[str | None, list[int]] = {}
    for channel, verified, card, topup, rewarded in rows:
        for key in (None, channel) if channel is not None else (None,):
            tally = counts.setdefault(key, [0, 0, 0, 0, 0])
            for i, reached in enumerate((True, verified, card, topup, rewarded)):
                tally[i] += int(bool(reached))
    total = Stages(*counts.pop(None, [0, 0, 0, 0, 0]))
    by_channel = {Channel(k): Stages(*v) for k, v in sorted(counts.items()) if k is not None}
    return ProgramFunnel(program_id, total, by_channel)
