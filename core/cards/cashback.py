"""Cashback: rates as data, accrual on cleared purchases, a monthly payout by the ledger.

* Rates live in ``cashback_rates``, by merchant category code or by partner (the
  acquirer's merchant id), 2 % to 33 %; a partner's rate wins over its category's.
  A running partner program (the referral area) may offer the customer a better rate
  for the category: the higher of the two applies, with source ``program``.
* A purchase on a card of a cashback tier accrues when it clears, at the rate of that
  moment, in the month (UTC) it cleared.
* A periodic sweep defers one payout job per card and finished month; the job fixes the
  month's total in ``cashback_payouts`` first, then posts it from the bank's
  REWARDS_EXPENSE account with the key ``cashback:<card id>:<YYYY-MM>``, so reruns and
  duplicate jobs pay once. Clearings and payouts lock the card, so an accrual never lands
  in a month already totalled (it goes to the next one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.audit.log import record
from core.cards import repository as repo
from core.cards.base import CARD_SYSTEM, ProgramRates
from core.cards.model import CardTier, cashback_for, month_of, next_month, parse_month
from core.cards.rates import RateBook, rate_for
from core.cards.tables import cashback_accruals, cashback_payouts
from core.cards.views import AuthorizationView, CashbackSummary
from core.jobs import Jobs, Periodic, Task
from core.ledger.commands import Leg, PostEntry
from core.ledger.model import BankPurpose, EntryKind
from core.persistence.types import AnyRow

PAY_TASK = "cards.pay_cashback"
SWEEP = "cards.cashback_sweep"
SWEEP_EVERY = timedelta(hours=1)


async def accrue(
    conn: AsyncConnection,
    card: AnyRow,
    view: AuthorizationView,
    now: datetime,
    program_rates: ProgramRates | None = None,
) -> None:
    """Accrue cashback on a purchase that just cleared, inside the clearing's transaction
    (with the card locked)."""
    if not CardTier(card.tier).earns_cashback or view.cleared_amount is None:
        return
    found = await rate_for(conn, view.mcc, view.merchant_id)
    if program_rates is not None:
        offered = await program_rates(conn, card.customer_id, now, view.mcc)
        if offered is not None and (found is None or offered > found[0]):
            found = (offered, "program")
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


class CashbackService(RateBook):
    """Rates (see ``RateBook``), monthly summaries and payouts."""

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
