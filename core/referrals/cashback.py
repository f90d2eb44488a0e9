"""Partner cashback: the rates the cards area applies to a customer's purchases.

The cards area accrues cashback by merchant category; partner programs add rates for
their categories. A rate counts while its program runs (started, not ended, not
paused), for every customer or, with ``members`` scope, for customers who attached one
of the partner's promo codes (and whose referral was not rejected).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.referrals import repository as repo
from core.referrals.model import (
    CashbackScope,
    PartnerCashback,
    ProgramKind,
    ProgramStatus,
    ReferralStatus,
)
from core.referrals.tables import referrals


async def rates_for(
    conn: AsyncConnection, customer_id: UUID, at: datetime, category: str | None = None
) -> list[PartnerCashback]:
    """The partner rates for ``customer_id``'s purchases at ``at``, best rate first."""
    programs = [
        p
        for p in await repo.list_programs(conn, ProgramKind.PARTNER)
        if p.status(at) is ProgramStatus.ACTIVE and p.terms.cashback
    ]
    member_of = set()
    if any(p.terms.cashback_scope is CashbackScope.MEMBERS for p in programs):
        rows = await conn.execute(
            select(referrals.c.program_id).where(
                referrals.c.customer_id == customer_id,
                referrals.c.status != ReferralStatus.REJECTED.value,
            )
        )
        member_of = {r[0] for r in rows}
    found = [
        PartnerCashback(p.id, p.terms.partner_name or "", rate.category, rate.rate_bp)
        for p in programs
        if p.terms.cashback_scope is CashbackScope.ALL or p.id in member_of
        for rate in p.terms.cashback
        if category is None or rate.category == category
    ]
    return sorted(found, key=lambda r: (-r.rate_bp, r.category, str(r.program_id)))
