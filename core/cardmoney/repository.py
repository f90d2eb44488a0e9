"""Reading and moving top-up and payout rows: views, and compare-and-set transitions.

Every transition is one ``UPDATE … WHERE status/stage IN (expected)``: of two workers
carrying the same top-up or payout on (a duplicated callback, the sweep and a job), one
moves it and the other sees that nothing moved — which is what makes each step happen
once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.cardmoney.errors import PayoutNotFound, TopUpNotFound
from core.cardmoney.model import PayoutStage, PayoutView, TopUpStatus, TopUpView
from core.cardmoney.tables import cardmoney_payouts as payouts
from core.cardmoney.tables import cardmoney_topups as topups
from core.persistence.types import AnyRow


def topup_of(row: AnyRow) -> TopUpView:
    return TopUpView(
        id=row.id,
        customer_id=row.customer_id,
        account_id=row.account_id,
        amount=int(row.amount),
        fee=int(row.fee),
        currency=row.currency,
        status=TopUpStatus(row.status),
        payment_url=row.payment_url,
        acquirer_reference=row.acquirer_reference,
        return_url=row.return_url,
        card_last4=row.card_last4,
        card_brand=row.card_brand,
        entry_id=row.entry_id,
        failure_reason=row.failure_reason,
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def payout_of(row: AnyRow) -> PayoutView:
    return PayoutView(
        id=row.id,
        customer_id=row.customer_id,
        account_id=row.account_id,
        amount=int(row.amount),
        fee=int(row.fee),
        currency=row.currency,
        stage=PayoutStage(row.stage),
        card_last4=row.card_last4,
        card_brand=row.card_brand,
        description=row.description,
        network_reference=row.network_reference,
        failure_reason=row.failure_reason,
        review_reasons=row.review_reasons,
        debit_entry_id=row.debit_entry_id,
        settle_entry_id=row.settle_entry_id,
        reversal_entry_id=row.reversal_entry_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def find_topup(conn: AsyncConnection, topup_id: UUID) -> TopUpView:
    row = (await conn.execute(select(topups).where(topups.c.id == topup_id))).one_or_none()
    if row is None:
        raise TopUpNotFound(topup_id=str(topup_id))
    return topup_of(row)


async def move_topup(
    conn: AsyncConnection,
    topup_id: UUID,
    expected: Iterable[TopUpStatus],
    to: TopUpStatus,
    now: datetime,
    **values: Any,
) -> bool:
    """Move the top-up from one of ``expected`` to ``to``; False if it was elsewhere."""
    moved = await conn.execute(
        update(topups)
        .where(topups.c.id == topup_id, topups.c.status.in_([s.value for s in expected]))
        .values(status=to.value, updated_at=now, **values)
    )
    return bool(moved.rowcount)


async def find_payout_row(conn: AsyncConnection, payout_id: UUID) -> AnyRow:
    row = (await conn.execute(select(payouts).where(payouts.c.id == payout_id))).one_or_none()
    if row is None:
        raise PayoutNotFound(payout_id=str(payout_id))
    return row


async def find_payout(conn: AsyncConnection, payout_id: UUID) -> PayoutView:
    return payout_of(await find_payout_row(conn, payout_id))


async def move_payout(
    conn: AsyncConnection,
    payout_id: UUID,
    expected: Iterable[PayoutStage],
    to: PayoutStage,
    now: datetime,
    **values: Any,
) -> bool:
    """Move the payout from one of ``expected`` to ``to``; False if it was elsewhere."""
    moved = await conn.execute(
        update(payouts)
        .where(payouts.c.id == payout_id, payouts.c.stage.in_([s.value for s in expected]))
        .values(stage=to.value, updated_at=now, **values)
    )
    return bool(moved.rowcount)


async def set_payout(conn: AsyncConnection, payout_id: UUID, now: datetime, **values: Any) -> None:
    await conn.execute(
        update(payouts).where(payouts.c.id == payout_id).values(updated_at=now, **values)
    )
