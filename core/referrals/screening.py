"""The facts the reward rules judge, gathered inside the deciding transaction: who the
referred customer is (keyed hashes of phone and documents, against the referrer's and
everyone's) and what the program and the referrer were already granted."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.persistence.tables import customers
from core.persistence.types import AnyRow
from core.referrals.model import ReferralStatus, RewardStatus, Role
from core.referrals.rules import Screening, Usage
from core.referrals.tables import identity_fingerprints, referral_rewards, referrals

_GRANTED = (RewardStatus.PENDING.value, RewardStatus.PAID.value)


async def _documents(conn: AsyncConnection, customer_id: UUID) -> set[str]:
    rows = await conn.execute(
        select(identity_fingerprints.c.document_index).where(
            identity_fingerprints.c.customer_id == customer_id
        )
    )
    return {str(r[0]) for r in rows}


async def screen(conn: AsyncConnection, row: AnyRow, phone: str | None) -> Screening:
    """Compare the referee's phone and documents with the referrer's and everyone's."""
    phones = {p for p in (phone, row.phone_index) if p is not None}
    documents = await _documents(conn, row.customer_id)
    self_referral = False
    if row.referrer_id is not None:
        referrer_phone = (
            await conn.execute(
                select(customers.c.phone_index).where(customers.c.id == row.referrer_id)
            )
        ).scalar_one_or_none()
        referrer_documents = await _documents(conn, row.referrer_id)
        self_referral = referrer_phone in phones or bool(documents & referrer_documents)
    repeated_phone = (
        bool(phones)
        and (
            await conn.execute(
                select(referrals.c.id)
                .where(
                    referrals.c.phone_index.in_(phones),
                    referrals.c.customer_id != row.customer_id,
                    referrals.c.status == ReferralStatus.QUALIFIED.value,
                )
                .limit(1)
            )
        ).first()
        is not None
    )
    repeated_document = (
        bool(documents)
        and (
            await conn.execute(
                select(identity_fingerprints.c.customer_id)
                .where(
                    identity_fingerprints.c.document_index.in_(documents),
                    identity_fingerprints.c.customer_id != row.customer_id,
                )
                .limit(1)
            )
        ).first()
        is not None
    )
    return Screening(self_referral, repeated_phone, repeated_document)


async def usage_of(
    conn: AsyncConnection, program_id: UUID, referrer_id: UUID | None, now: datetime
) -> Usage:
    """What the program, and the referrer in it, were granted so far."""
    granted = (referral_rewards.c.program_id == program_id) & referral_rewards.c.status.in_(
        _GRANTED
    )
    program = (
        await conn.execute(
            select(
                func.count(func.distinct(referral_rewards.c.referral_id)),
                func.coalesce(func.sum(referral_rewards.c.amount), 0),
            ).where(granted)
        )
    ).one()
    if referrer_id is None:
        return Usage(int(program[0]), int(program[1]))
    theirs = (
        granted
        & (referral_rewards.c.customer_id == referrer_id)
        & (referral_rewards.c.role == Role.REFERRER.value)
    )
    day_ago = now - timedelta(days=1)
    referrer = (
        await conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(referral_rewards.c.amount), 0),
                func.count().filter(referral_rewards.c.created_at > day_ago),
            ).where(theirs)
        )
    ).one()
    return Usage(
        int(program[0]), int(program[1]), int(referrer[0]), int(referrer[1]), int(referrer[2])
    )
