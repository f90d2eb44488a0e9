"""Statistics per program: invited, verified, rewarded and paid out, per channel too."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.referrals import repository as repo
from core.referrals.model import Channel, ProgramStats, RewardStatus, Tally
from core.referrals.tables import referral_rewards, referrals

_TOTAL = "*"  # the key of the whole program among the channels


async def program_stats(conn: AsyncConnection, program_id: UUID) -> ProgramStats:
    """The program's tallies: every referral, and those whose channel is known by channel."""
    await repo.find_program(conn, program_id)  # PROGRAM_NOT_FOUND for an unknown id
    invited: dict[str | None, int] = defaultdict(int)
    verified: dict[str | None, int] = defaultdict(int)
    rewarded: dict[str | None, int] = defaultdict(int)
    paid: dict[str | None, dict[str, int]] = defaultdict(dict)
    rows = await conn.execute(
        select(referrals.c.channel, func.count(), func.count(referrals.c.verified_at))
        .where(referrals.c.program_id == program_id)
        .group_by(referrals.c.channel)
    )
    for channel, count, count_verified in rows:
        for key in (_TOTAL, channel):
            invited[key] += int(count)
            verified[key] += int(count_verified)
    paid_rewards = (referral_rewards.c.program_id == program_id) & (
        referral_rewards.c.status == RewardStatus.PAID.value
    )
    joined = referral_rewards.join(referrals, referrals.c.id == referral_rewards.c.referral_id)
    rows = await conn.execute(
        select(referrals.c.channel, func.count(func.distinct(referral_rewards.c.referral_id)))
        .select_from(joined)
        .where(paid_rewards)
        .group_by(referrals.c.channel)
    )
    for channel, count in rows:
        for key in (_TOTAL, channel):
            rewarded[key] += int(count)
    rows = await conn.execute(
        select(
            referrals.c.channel, referral_rewards.c.currency, func.sum(referral_rewards.c.amount)
        )
        .select_from(joined)
        .where(paid_rewards)
        .group_by(referrals.c.channel, referral_rewards.c.currency)
    )
    for channel, currency, amount in rows:
        for key in (_TOTAL, channel):
            paid[key][currency] = paid[key].get(currency, 0) + int(amount)

    def tally(key: str | None) -> Tally:
        return Tally(invited[key], verified[key], rewarded[key], dict(sorted(paid[key].items())))

    known = sorted(key for key in invited if key is not None and key != _TOTAL)
    channels = {Channel(key): tally(key) for key in known}
    return ProgramStats(program_id, tally(_TOTAL), channels)
