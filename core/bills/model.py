"""Bill payments as pure values: statuses, the ledger legs, masks, the reconciliation pace.

The money path (docs/decisions/0037): on submission one entry takes the amount and the fee
from the customer's account — the amount to SUSPENSE, the fee to FEE_INCOME; the biller's
answer then either settles the amount from SUSPENSE to SETTLEMENT (completed) or reverses
the first entry whole, fee included (rejected). Nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from core.bills import checks
from core.bills.catalogue import Biller, Mask
from core.ledger.commands import Leg


class PaymentStatus(StrEnum):
    CREATED = "created"  # recorded; no money moved yet
    SUBMITTED = "submitted"  # debited, being sent to the biller
    UNKNOWN = "unknown"  # the biller did not answer: reconciliation will ask
    COMPLETED = "completed"  # the biller accepted; money settled
    REJECTED = "rejected"  # the biller refused; money returned, fee included
    DECLINED = "declined"  # the bank refused before any money moved (funds, account)


FINAL = frozenset({PaymentStatus.COMPLETED, PaymentStatus.REJECTED, PaymentStatus.DECLINED})
IN_FLIGHT = frozenset({PaymentStatus.SUBMITTED, PaymentStatus.UNKNOWN})


class Outcome(StrEnum):
    """The biller's final word, decided once per payment; the money follows it."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


NOT_RECEIVED = "NOT_RECEIVED_BY_BILLER"
"""Why a payment is refunded when the biller, asked later, never heard of it."""


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A bill payment as customers and staff see it: personal fields only masked."""

    id: UUID
    customer_id: UUID
    account_id: UUID
    biller_id: str
    biller_name: str
    fields: Mapping[str, str]  # masked
    amount: int
    fee: int
    currency: str
    status: PaymentStatus
    reason: str | None  # the rejection's or decline's code
    provider_reference: str | None
    payee_id: UUID | None
    debit_entry_id: UUID | None
    final_entry_id: UUID | None  # the settlement or the refund
    created_at: datetime
    finished_at: datetime | None

    @property
    def total(self) -> int:
        return self.amount + self.fee


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a customer keeps of a completed payment."""

    payment_id: UUID
    biller_id: str
    biller_name: str
    category: str
    fields: Mapping[str, str]  # masked
    amount: int
    fee: int
    total: int
    currency: str
    provider_reference: str
    account_id: UUID
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class PayeeView:
    """A biller and the details a customer saved under a name of their own."""

    id: UUID
    customer_id: UUID
    biller_id: str
    biller_name: str
    name: str
    fields: Mapping[str, str]  # masked
    created_at: datetime


def receipt(payment: PaymentView, biller: Biller) -> Receipt:
    """The receipt of a completed payment (callers check the status first)."""
    assert payment.provider_reference is not None
    assert payment.finished_at is not None
    return Receipt(
        payment_id=payment.id,
        biller_id=biller.id,
        biller_name=biller.name,
        category=biller.category.value,
        fields=payment.fields,
        amount=payment.amount,
        fee=payment.fee,
        total=payment.total,
        currency=payment.currency,
        provider_reference=payment.provider_reference,
        account_id=payment.account_id,
        paid_at=payment.finished_at,
    )


def debit_legs(
    *, account: UUID, suspense: UUID, fee_income: UUID, amount: int, fee: int, currency: str
) -> tuple[Leg, ...]:
    """The submission's one entry: amount and fee off the account, the fee earned at once."""
    legs = [Leg(account, -(amount + fee), currency), Leg(suspense, amount, currency)]
    if fee:
        legs.append(Leg(fee_income, fee, currency))
    return tuple(legs)


def settle_legs(
    *, suspense: UUID, settlement: UUID, amount: int, currency: str
) -> tuple[Leg, ...]:
    """The biller accepted: the amount leaves SUSPENSE for SETTLEMENT (owed to the biller)."""
    return (Leg(suspense, -amount, currency), Leg(settlement, amount, currency))


def mask(value: str, how: Mask) -> str:
    """A field's value as receipts show it: enough to recognize, not enough to reuse."""
    if how is Mask.PHONE and value.startswith("+"):
        code = str(checks.country_code(value))
        national = value[1 + len(code) :]
        return f"+{code} {'•' * (len(national) - 3)}{national[-3:]}"
    keep = 4 if len(value) > 6 else 2
    return "•" * (len(value) - keep) + value[-keep:]


def masked_fields(biller: Biller, values: Mapping[str, object]) -> dict[str, str]:
    """Every field of ``biller`` present in ``values``, masked."""
    return {f.name: mask(str(values[f.name]), f.mask) for f in biller.fields if f.name in values}


def next_check(attempts: int, *, first: timedelta, cap: timedelta) -> timedelta:
    """How long reconciliation waits before asking the biller again (doubling, capped)."""
    return min(cap, first * (1 << min(attempts, 20)))
