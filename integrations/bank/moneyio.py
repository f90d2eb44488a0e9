"""Money in from and out to cards of other banks in ``BankAPI``: ``MoneyIoAPI``, its
types, and the argument checks both implementations share.

This module imports nothing of the core (``integrations.bank`` re-exports it, and flows
must be able to import the Protocol without the core). The mixins live beside it:
``LocalMoneyIo`` (:mod:`integrations.bank.moneyio_local`) for ``LocalBank`` and
``HttpMoneyIo`` (:mod:`integrations.bank.moneyio_http`) for ``HttpBank``.

A top-up sends the customer to the acquirer's hosted page (``TopUp.payment_url``); the
bank learns the outcome from the acquirer, and the customer comes back to the return URL
with ``reference`` (the top-up's id) and ``status`` in its query: flows then read the
top-up (``get_topup``) — a ``processing`` one completes within moments. A transfer to a
card is ``pending`` at once (the money already taken) and then ``completed``, or
``failed`` with everything given back; the outbox says which (``payout.completed``,
``payout.failed``), as it says ``topup.completed`` and ``topup.failed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from integrations.bank.errors import from_code
from integrations.bank.types import Amount

DEFAULT_PAYOUT_DESCRIPTION = "Transfer to card"


class TopUpStatus(StrEnum):
    CREATED = "created"  # recorded; the acquirer did not open a page yet (try again)
    AWAITING_PAYMENT = "awaiting_payment"  # the customer is on the hosted page
    PROCESSING = "processing"  # the card was charged; the account is being credited
    COMPLETED = "completed"  # credited
    FAILED = "failed"  # declined, not enough money on the card, 3-D Secure not passed
    EXPIRED = "expired"  # abandoned: nobody paid in time


class CardPayoutStatus(StrEnum):
    PENDING = "pending"  # the money taken; the card network has not settled it yet
    COMPLETED = "completed"
    FAILED = "failed"  # the money (fee included) went back to the account


@dataclass(frozen=True, slots=True)
class CardQuote:
    """What a top-up or payout costs: a top-up charges the card ``total_minor``; a payout
    takes ``total_minor`` from the account. The fee is on top of the amount."""

    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class TopUp:
    id: UUID
    customer_id: UUID
    account_id: UUID
    amount_minor: int  # what the account is credited
    fee_minor: int
    total_minor: int  # what the card is charged
    currency: str
    status: TopUpStatus
    payment_url: str | None  # where to send the customer (the acquirer's hosted page)
    card_last4: str | None  # the card's last four digits, once the acquirer says
    card_brand: str | None
    entry_id: UUID | None  # the ledger entry that credited it
    failure_reason: str | None  # card_declined, insufficient_funds, expired …
    expires_at: datetime  # no payment is taken after it
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CardPayout:
    id: UUID
    customer_id: UUID
    account_id: UUID
    amount_minor: int  # what the card receives
    fee_minor: int
    total_minor: int  # what left the account
    currency: str
    status: CardPayoutStatus
    card_last4: str  # all that is ever shown of the card: "•• 4242"
    card_brand: str
    description: str
    failure_reason: str | None  # CARD_NOT_ELIGIBLE, ISSUER_DECLINED, INSUFFICIENT_FUNDS …
    created_at: datetime
    updated_at: datetime


class MoneyIoAPI(Protocol):
    """Top-ups from and transfers to cards of other banks."""

    async def quote_topup(self, account_id: UUID, amount: Amount) -> CardQuote:
        """What topping ``account_id`` up by ``amount`` costs, to show before confirming."""
        ...

    async def start_topup(
        self,
        account_id: UUID,
        amount: Amount,
        *,
        return_url: str,
        idempotency_key: str,
        expected_fee_minor: int | None = None,
    ) -> TopUp:
        """Open a hosted payment page crediting ``amount`` to ``account_id``.

        ``return_url`` (absolute http(s)) is where the customer comes back to. With
        ``expected_fee_minor`` (the quote's fee), a changed fee raises ``Conflict``
        (``FEE_CHANGED``). The same key returns the same top-up and page.
        ``BankUnavailable`` (``ACQUIRER_UNAVAILABLE`` in-process) means the acquirer did
        not answer: call again with the same key. The account must be a customer's, open,
        in ``amount``'s currency (``ACCOUNT_NOT_ELIGIBLE``, ``ACCOUNT_FROZEN`` …).
        """
        ...

    async def get_topup(self, topup_id: UUID) -> TopUp:
        """The top-up, or ``NotFound`` (``TOPUP_NOT_FOUND``)."""
        ...

    async def quote_card_payout(self, account_id: UUID, amount: Amount) -> CardQuote:
        """What sending ``amount`` from ``account_id`` to a card costs."""
        ...

    async def send_to_card(
        self,
        account_id: UUID,
        card_number: str,
        amount: Amount,
        *,
        idempotency_key: str,
        description: str = DEFAULT_PAYOUT_DESCRIPTION,
        expected_fee_minor: int | None = None,
    ) -> CardPayout:
        """Send ``amount`` to a card of another bank; ``pending`` once the money is taken.

        ``card_number`` is what the customer typed (spaces and dashes allowed); a wrong
        one raises ``InvalidRequest`` (``INVALID_CARD_NUMBER``, ``data["reason"]``:
        ``format``, ``length`` or ``check_digit``) and is never echoed back. Refusals
        (``InsufficientFunds``, a limit, a switch) take nothing and leave the key free.
        """
        ...

    async def get_card_payout(self, payout_id: UUID) -> CardPayout:
        """The payout, or ``NotFound`` (``CARD_PAYOUT_NOT_FOUND``)."""
        ...


def check_card_shape(card_number: str) -> None:
    """The card number's shape, as the core checks it, so both paths refuse alike."""
    compact = "".join(ch for ch in card_number.strip() if ch not in " -")
    reason = None
    if len(card_number) > 40 or not compact.isascii() or not compact.isdigit():
        reason = "format"
    elif not 13 <= len(compact) <= 19:
        reason = "length"
    if reason is not None:
        raise from_code(
            "INVALID_CARD_NUMBER",
            "This is not a valid card number.",
            {"reason": reason},
            status=422,  # the core's status for the code, as HttpBank would see it
        )


def check_expected_fee(expected_fee_minor: int | None) -> None:
    if expected_fee_minor is not None and (
        type(expected_fee_minor) is not int or expected_fee_minor < 0
    ):
        raise from_code(
            "VALIDATION_ERROR",
            "the expected fee is whole minor units, zero or more",
            {"field": "expected_fee_minor"},
        )
