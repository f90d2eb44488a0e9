"""The review queue as the risk page shows it: transfers held by the risk rules and card
payouts held for review, oldest first, with masked parties and the rules' reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal
from uuid import UUID

from sqlalchemy import select

from core.bank import Bank
from core.cardmoney.model import PayoutStage, PayoutView
from core.cardmoney.repository import payout_of
from core.cardmoney.tables import cardmoney_payouts
from core.errors import CoreError
from core.money import Currency
from core.payments.model import PaymentStatus, last_digits, mask_name
from core.payments.repository import PaymentView

Kind = Literal["transfer", "payout"]
QUEUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str  # text key risk.rule.<rule>
    score: int | None


@dataclass(frozen=True, slots=True)
class HeldItem:
    kind: Kind
    id: UUID
    amount: str  # "2,500.00 EUR"
    fee: str
    payer: str  # "Olga K. •• 1234"
    recipient: str  # "Ivan P. •• 5678" or "VISA •• 4242"
    score: int | None  # payouts keep only the rules' names, not their scores
    reasons: tuple[Reason, ...]
    created_at: datetime
    age: timedelta
    deadline: datetime | None


def money(minor: int, currency: str) -> str:
    """``250000, "EUR"`` → ``"2,500.00 EUR"`` (exact: no floats)."""
    exponent = Currency.of(currency).exponent
    value = Decimal(minor).scaleb(-exponent)
    return f"{value:,.{exponent}f} {currency}"


def age_text(age: timedelta) -> tuple[str, dict[str, int]]:
    """How long an item has waited, as a text key under ``risk.age`` and its figures."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return "risk.age.minutes", {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return "risk.age.hours", {"h": hours, "m": minutes}
    return "risk.age.days", {"d": hours // 24, "h": hours % 24}


async def _party(bank: Bank, customer_id: UUID | None, account_id: UUID) -> str:
    """A customer as staff reviewing a payment may see them: first name, initial, last four."""
    name = "?"
    if customer_id is not None:
        try:
            name = mask_name((await bank.customers.get(customer_id)).full_name)
        except CoreError:
            name = "?"
    try:
        number = (await bank.accounts.get(account_id)).number
    except CoreError:
        return name
    return f"{name} •• {last_digits(number)}"


async def _transfer(bank: Bank, payment: PaymentView, now: datetime) -> HeldItem:
    reasons = tuple(
        Reason(str(r.get("rule", "")), int(r.get("score", 0))) for r in payment.risk_reasons
    )
    recipient = f"{payment.recipient_name} •• {payment.recipient_account_last4}"
    return HeldItem(
        kind="transfer",
        id=payment.id,
        amount=money(payment.amount, payment.currency),
        fee=money(payment.fee, payment.currency),
        payer=await _party(bank, payment.payer_customer_id, payment.source_account_id),
        recipient=recipient,
        score=payment.risk_score,
        reasons=reasons,
        created_at=payment.created_at,
        age=now - payment.created_at,
        deadline=payment.review_deadline,
    )


async def _payout(bank: Bank, payout: PayoutView, now: datetime) -> HeldItem:
    rules = [r.strip() for r in (payout.review_reasons or "").split(",") if r.strip()]
    return HeldItem(
        kind="payout",
        id=payout.id,
        amount=money(payout.amount, payout.currency),
        fee=money(payout.fee, payout.currency),
        payer=await _party(bank, payout.customer_id, payout.account_id),
        recipient=f"{payout.card_brand.upper()} •• {payout.card_last4}",
        score=None,
        reasons=tuple(Reason(rule.replace(" ", "_"), None) for rule in rules),
        created_at=payout.created_at,
        age=now - payout.created_at,
        deadline=None,
    )


async def held_payouts(bank: Bank) -> list[PayoutView]:
    async with bank.db.read() as conn:
        rows = (
            await conn.execute(
                select(cardmoney_payouts)
                .where(cardmoney_payouts.c.stage == PayoutStage.REVIEW.value)
                .order_by(cardmoney_payouts.c.created_at, cardmoney_payouts.c.id)
                .limit(QUEUE_LIMIT)
            )
        ).all()
    return [payout_of(r) for r in rows]


async def held_items(bank: Bank, now: datetime) -> list[HeldItem]:
    """Everything waiting for a risk officer, oldest first."""
    transfers = await bank.payments.transfers.list(
        status=PaymentStatus.PENDING_REVIEW, limit=QUEUE_LIMIT
    )
    items = [await _transfer(bank, p, now) for p in transfers]
    items += [await _payout(bank, p, now) for p in await held_payouts(bank)]
    return sorted(items, key=lambda item: (item.created_at, str(item.id)))
