"""Top-ups and card payouts as pure values: statuses, their transitions, views, quotes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID

from core.errors import ValidationFailed
from core.ports import PaymentOutcome

MAX_URL = 500
MAX_CHECK_INTERVAL = timedelta(hours=1)


class TopUpStatus(StrEnum):
    """created → awaiting_payment → processing → completed; awaiting_payment → failed |
    expired. A success the acquirer reports later still credits (processing): the card was
    charged, so the money is the customer's (docs/decisions/0046)."""

    CREATED = "created"  # recorded; the acquirer not asked yet, or it did not answer
    AWAITING_PAYMENT = "awaiting_payment"  # the hosted page is open for the customer
    PROCESSING = "processing"  # the card was charged; the account is being credited
    COMPLETED = "completed"  # credited
    FAILED = "failed"  # declined, not enough money, 3-D Secure not passed
    EXPIRED = "expired"  # abandoned: nobody paid before the session ended


OPEN_TOPUP = frozenset({TopUpStatus.CREATED, TopUpStatus.AWAITING_PAYMENT})
_PAYABLE = OPEN_TOPUP | {TopUpStatus.FAILED, TopUpStatus.EXPIRED}


def after_notice(status: TopUpStatus, outcome: PaymentOutcome) -> TopUpStatus | None:
    """Where a payment notice moves a top-up in ``status``; None if it changes nothing
    (a duplicate, or a failure reported after the payment succeeded)."""
    if outcome is PaymentOutcome.SUCCEEDED:
        return TopUpStatus.PROCESSING if status in _PAYABLE else None
    return TopUpStatus.FAILED if status in OPEN_TOPUP else None


class PayoutStatus(StrEnum):
    """What the customer sees of a transfer to a card: pending → completed | failed."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class PayoutStage(StrEnum):
    """Where a payout is inside the bank (its status is derived from it)."""

    CREATED = "created"  # recorded; the customer's money not taken yet
    DEBITED = "debited"  # the money is in suspense; to be handed to the network
    REVIEW = "review"  # the money is in suspense; staff decide whether it goes
    SUBMITTED = "submitted"  # the network has it; settles later
    COMPLETED = "completed"  # the network paid it: the money went out through settlement
    FAILED = "failed"  # refused or returned; any money taken was given back

    @property
    def status(self) -> PayoutStatus:
        if self is PayoutStage.COMPLETED:
            return PayoutStatus.COMPLETED
        if self is PayoutStage.FAILED:
            return PayoutStatus.FAILED
        return PayoutStatus.PENDING


IN_FLIGHT = frozenset(
    {PayoutStage.CREATED, PayoutStage.DEBITED, PayoutStage.SUBMITTED}
)  # the stages the background job carries on (review waits for staff)


def next_check_delay(poll: timedelta, checks: int) -> timedelta:
    """How long to wait before asking the network again after ``checks`` answers of
    "pending": ``poll``, doubling, at most an hour (a stuck payout is not asked about
    every few seconds for ever)."""
    factor: int = 2 ** min(checks, 12)
    return min(poll * factor, MAX_CHECK_INTERVAL)


def check_return_url(url: str) -> str:
    """An absolute http(s) URL without credentials, at most 500 characters."""
    parts = urlsplit(url) if isinstance(url, str) and len(url) <= MAX_URL else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or not url.isprintable()
        or any(ch.isspace() for ch in url)
    ):
        raise ValidationFailed(
            "the return URL is an absolute http(s) URL of at most 500 characters",
            field="return_url",
        )
    return url


@dataclass(frozen=True, slots=True)
class Quote:
    """What a top-up or payout costs, shown before the customer confirms.

    The fee is on top of the amount: a top-up charges the card ``total`` and credits
    ``amount``; a payout takes ``total`` from the account and pays ``amount`` to the card.
    """

    amount: int
    fee: int
    currency: str

    @property
    def total(self) -> int:
        return self.amount + self.fee


@dataclass(frozen=True, slots=True)
class TopUpView:
    id: UUID
    customer_id: UUID
    account_id: UUID
    amount: int  # credited to the account
    fee: int
    currency: str
    status: TopUpStatus
    payment_url: str | None  # the acquirer's hosted page, once it opened one
    acquirer_reference: str | None
    return_url: str
    card_last4: str | None
    card_brand: str | None
    entry_id: UUID | None
    failure_reason: str | None
    expires_at: datetime
    created_at: datetime
    updated_at: datetime

    @property
    def total(self) -> int:
        """What the card is charged."""
        return self.amount + self.fee


@dataclass(frozen=True, slots=True)
class PayoutView:
    id: UUID
    customer_id: UUID
    account_id: UUID
    amount: int  # paid to the card
    fee: int
    currency: str
    stage: PayoutStage
    card_last4: str
    card_brand: str
    description: str
    network_reference: str | None
    failure_reason: str | None
    review_reasons: str | None  # why staff must look first; None when no review
    debit_entry_id: UUID | None
    settle_entry_id: UUID | None
    reversal_entry_id: UUID | None
    created_at: datetime
    updated_at: datetime

    @property
    def status(self) -> PayoutStatus:
        return self.stage.status

    @property
    def total(self) -> int:
        """What leaves the customer's account."""
        return self.amount + self.fee
