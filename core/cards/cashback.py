"""Cashback: rates as data, accrual on cleared purchases, a monthly payout by the ledger.

* Rates live in ``cashback_rates``, by merchant category code or by partner (the
  acquirer's merchant id), 2 % to 33 %; a partner's rate wins over its category's.
* A purchase on a card of a cashback tier accrues when it clears, at the rate of that
  moment, in the month (UTC) it cleared.
* A periodic sweep defers one payout job per card and finished month; the job fixes the
  month's total in ``cashback_payouts`` first, then posts it from the bank's
  REWARDS_EXPENSE account with the key ``cashback:<card id>:<YYYY-MM>``, so reruns and
  duplicate jobs pay once. Clearings and payouts lock the card, so an accrual never lands
  in a month already totalled (it goes to the next one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cards import repository as repo
from core.cards.base import CARD_SYSTEM, CardContext
from core.cards.errors import CashbackRateNotFound
from core.cards.model import (
    CardTier,
    cashback_for,
    check_rate,
    month_of,
    next_month,
    parse_month,
    validate_mcc,
)
from core.cards.tables import cashback_accruals, cashback_payouts, cashback_rates
from core.cards.views import AuthorizationView, CashbackRate, CashbackSummary
from core.errors import CoreError, ValidationFailed
from core.jobs import Jobs, Periodic, Task
from core.ledger.commands import Leg, PostEntry
from core.ledger.model import BankPurpose, EntryKind
from core.persistence.types import AnyRow

PAY_TASK = "cards.pay_cashback"
SWEEP = "cards.cashback_sweep"
SWEEP_EVERY = timedelta(hours=1)
_PARTNER = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def check_rate_key(kind: str, key: str) -> tuple[str, str]:
    """A rate is for an ``mcc`` (four digits) or a ``partner`` (a merchant id)."""
    if kind == "mcc":
        return kind, validate_mcc(key)
    if kind == "partner":
        if not isinstance(key, str) or not _PARTNER.fullmatch(key):
            raise ValidationFailed("a partner is its merchant id, 1 to 64 characters", field="key")
        return kind, key
    raise ValidationFailed("a cashback rate is by mcc or partner", field="kind")


async def rate_for(
    conn: AsyncConnection, mcc: str, merchant_id: str | None
) -> tuple[int, str] | None:
    """The rate (basis points) and its source for a purchase: the partner's, else the
    merchant category's, else none."""
    matches = [and_(cashback_rates.c.kind == "mcc", cashback_rates.c.key == mcc)]
    if merchant_id:
        matches.append(
            and_(cashback_rates.c.kind == "partner", cashback_rates.c.key == merchant_id)
        )
    rows = (
        await conn.execute(
            select(cashback_rates.c.kind, cashback_rates.c.rate_bps).where(or_(*matches))
        )
    ).all()
    found = {row.kind: int(row.rate_bps) for row in rows}
    for source in ("partner", "mcc"):
        if source in found:
            return found[source], source
    return None


async def accrue(
    conn: AsyncConnection, card: AnyRow, view: AuthorizationView, now: datetime
) -> None:
    """Accrue cashback on a purchase that just cleared, inside the clearing's transaction
    (with the card locked)."""
    if not CardTier(card.tier).earns_cashback or view.cleared_amount is None:
        return
    found = await rate_for(conn, view.mcc, view.merchant_id)
    if found is None:
        return
    rate, source = found
    amount = cashback_for(view.cleared_amount, rate)
    if amount <= 0:
        return
    month = month_of(now)
    latest = (
        await conn.execute(
            select(func.max(cashback_payouts.c.month)).where(cashback_payouts.c.card_id == card.id)
        )
    ).scalar_one_or_none()
    if latest is not None and latest >= month:  # that month is totalled: the next one
        month = next_month(latest)
    await conn.execute(
        insert(cashback_accruals).values(
            authorization_id=view.id,
            card_id=card.id,
            month=month,
            amount=amount,
            currency=view.currency,
            rate_bps=rate,
            source=source,
            created_at=now,
        )
    )


class CashbackService:
    """Rates, monthly summaries and payouts."""

    def __init__(self, ctx: CardContext) -> None:
        self._ctx = ctx

    async def set_rate(
        self, kind: str, key: str, rate_bps: int, description: str, actor: Actor
    ) -> CashbackRate:
        """Create or change the rate for a merchant category or partner."""
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"cashback_rate:{kind}:{key}"[:80]
        try:
            kind, key = check_rate_key(kind, key)
            check_rate(rate_bps)
            text = description.strip() if isinstance(description, str) else ""
            if not text or len(text) > 120 or not text.isprintable():
                raise ValidationFailed("a description of 1 to 120 characters", field="description")
            async with ctx.db.transaction() as conn:
                where = and_(cashback_rates.c.kind == kind, cashback_rates.c.key == key)
                values = {"rate_bps": rate_bps, "description": text, "updated_at": now}
                changed = await conn.execute(update(cashback_rates).where(where).values(**values))
                if not changed.rowcount:
                    await conn.execute(insert(cashback_rates).values(kind=kind, key=key, **values))
                details = {"kind": kind, "key": key, "rate_bps": rate_bps}
                await record(conn, now, actor, "set_cashback_rate", target, details)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "set_cashback_rate", target, exc)
            raise
        return CashbackRate(kind, key, rate_bps, text)

    async def remove_rate(self, kind: str, key: str, actor: Actor) -> None:
        """Stop a rate; purchases already accrued keep what they earned."""
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"cashback_rate:{kind}:{key}"[:80]
        try:
            kind, key = check_rate_key(kind, key)
            async with ctx.db.transaction() as conn:
                removed = await conn.execute(
                    delete(cashback_rates).where(
                        cashback_rates.c.kind == kind, cashback_rates.c.key == key
                    )
                )
                if not removed.rowcount:
                    raise CashbackRateNotFound(kind=kind, key=key)
                await record(conn, now, actor, "remove_cashback_rate", target)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "remove_cashback_rate", target, exc)
            raise

    async def rates(self) -> list[CashbackRate]:
        async with self._ctx.db.read() as conn:
            rows = await conn.execute(
                select(cashback_rates).order_by(cashback_rates.c.kind, cashback_rates.c.key)
            )
            return [CashbackRate(r.kind, r.key, int(r.rate_bps), r.description) for r in rows]

    async def summary(self, card_id: UUID, month: str) -> CashbackSummary:
        """What the card earned in ``month`` (``YYYY-MM``) and whether it was paid."""
        parse_month(month)
        async with self._ctx.db.read() as conn:
            card = await repo.find_card(conn, card_id)
            total, count = (
                await conn.execute(
                    select(
                        func.coalesce(func.sum(cashback_accruals.c.amount), 0), func.count()
                    ).where(
                        cashback_accruals.c.card_id == card_id, cashback_accruals.c.month == month
                    )
                )
            ).one()
            payout = await self._payout(conn, card_id, month)
        paid = payout is not None and payout.status == "paid"
        return CashbackSummary(
            card_id=card_id,
            month=month,
            currency=card.currency,
            accrued=int(total),
            purchases=int(count),
            paid=paid,
            entry_id=payout.entry_id if payout is not None else None,
        )

    async def sweep(self, due: datetime) -> int:
        """Defer a payout job for every card and finished month not paid yet; returns
        how many it deferred (the queue drops one already queued)."""
        current = month_of(due)
        unscheduled = (
            select(cashback_accruals.c.card_id, cashback_accruals.c.month)
            .where(
                cashback_accruals.c.month < current,
                ~exists().where(
                    cashback_payouts.c.card_id == cashback_accruals.c.card_id,
                    cashback_payouts.c.month == cashback_accruals.c.month,
                ),
            )
            .distinct()
        )
        unpaid = select(cashback_payouts.c.card_id, cashback_payouts.c.month).where(
            cashback_payouts.c.status == "pending"
        )
        async with self._ctx.db.read() as conn:
            due_pairs = {(r.card_id, r.month) for r in await conn.execute(unscheduled)}
            due_pairs |= {(r.card_id, r.month) for r in await conn.execute(unpaid)}
        for card_id, month in sorted(due_pairs):
            await self._ctx.queue.defer(
                PAY_TASK,
                {"card_id": str(card_id), "month": month},
                key=f"cashback:{card_id}:{month}",
            )
        return len(due_pairs)

    async def pay(self, card_id: UUID, month: str) -> UUID | None:
        """Pay a card's cashback for a finished month, once; the entry's id, or None when
        there is nothing to pay (or the month is not over)."""
        ctx = self._ctx
        parse_month(month)
        now = ctx.clock.now()
        if month >= month_of(now):
            return None
        async with ctx.db.transaction() as conn:
            card = await repo.find_card(conn, card_id, lock=True)
            payout = await self._payout(conn, card_id, month)
            if payout is None:
                total = (
                    await conn.execute(
                        select(func.coalesce(func.sum(cashback_accruals.c.amount), 0)).where(
                            cashback_accruals.c.card_id == card_id,
                            cashback_accruals.c.month == month,
                        )
                    )
                ).scalar_one()
                if not total:
                    return None
                await conn.execute(
                    insert(cashback_payouts).values(
                        card_id=card_id,
                        month=month,
                        account_id=card.account_id,
                        amount=int(total),
                        currency=card.currency,
                        status="pending",
                        entry_id=None,
                        created_at=now,
                        paid_at=None,
                    )
                )
                payout = await self._payout(conn, card_id, month)
                assert payout is not None
            elif payout.status == "paid":
                entry: UUID | None = payout.entry_id
                return entry
        rewards = await ctx.ledger.bank_account(BankPurpose.REWARDS_EXPENSE, payout.currency)
        posted = await ctx.ledger.post_entry(
            PostEntry(
                f"cashback:{card_id}:{month}",
                kind=EntryKind.CASHBACK,
                legs=(
                    Leg(rewards, -int(payout.amount), payout.currency),
                    Leg(payout.account_id, int(payout.amount), payout.currency),
                ),
                description=f"Cashback {month}",
                event_type="cashback.paid",
            ),
            CARD_SYSTEM,
        )
        async with ctx.db.transaction() as conn:
            paid = await conn.execute(
                update(cashback_payouts)
                .where(
                    cashback_payouts.c.card_id == card_id,
                    cashback_payouts.c.month == month,
                    cashback_payouts.c.status == "pending",
                )
                .values(status="paid", entry_id=posted.id, paid_at=now)
            )
            if paid.rowcount:
                details = {
                    "month": month,
                    "amount": int(payout.amount),
                    "entry_id": str(posted.id),
                }
                await record(conn, now, CARD_SYSTEM, "pay_cashback", f"card:{card_id}", details)
        return posted.id

    def jobs(self) -> Jobs:
        """The hourly sweep and the payout task it defers."""

        async def pay_task(payload: Mapping[str, Any]) -> None:
            await self.pay(UUID(str(payload["card_id"])), str(payload["month"]))

        async def sweep(due: datetime) -> None:
            await self.sweep(due)

        return Jobs(
            tasks=[Task(PAY_TASK, pay_task)],
            periodic=[Periodic(SWEEP, SWEEP_EVERY, sweep)],
        )

    @staticmethod
    async def _payout(conn: AsyncConnection, card_id: UUID, month: str) -> AnyRow | None:
        return (
            await conn.execute(
                select(cashback_payouts).where(
                    cashback_payouts.c.card_id == card_id, cashback_payouts.c.month == month
                )
            )
        ).one_or_none()
