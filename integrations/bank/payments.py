"""``PaymentsAPI``: fees, limits, switches, transfers to other customers, money requests.

Part of ``BankAPI`` (flows call these through it). This module holds only the Protocol and
its plain types, so importing it never pulls in the core; ``LocalPayments`` and
``HttpPayments`` (in ``payments_local`` and ``payments_http``) are the implementations'
mixins.

What flows do with it: show :meth:`PaymentsAPI.preview_transfer` (amount, fee, total and
"Ivan P. •• 4242"), create the idempotency key at that moment, and send with
:meth:`PaymentsAPI.send_transfer` passing the fee shown as ``expected_fee``. A transfer the
risk review holds comes back ``pending_review``; the customer hears the outcome through
the ``transfer.completed`` / ``transfer.rejected`` events. Errors to expect by code:
``OPERATION_DISABLED`` (data: ``operation``, ``currency``, ``until``, ``reason``),
``LIMIT_EXCEEDED`` (``period``, ``remaining``), ``FEE_CHANGED`` (``fee``),
``RECIPIENT_NOT_FOUND``, ``RECIPIENT_NO_ACCOUNT``, ``RECIPIENT_IS_PAYER``,
``INSUFFICIENT_FUNDS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from integrations.bank.types import Amount


class Operation(StrEnum):
    TRANSFER_INTERNAL = "transfer_internal"
    TRANSFER_CARD = "transfer_card"
    TOPUP_CARD = "topup_card"
    BILL_PAYMENT = "bill_payment"
    EXCHANGE = "exchange"


class RecipientKind(StrEnum):
    ACCOUNT = "account"  # the IBAN of a Teller account
    PHONE = "phone"  # the phone number of a registered customer
    CARD = "card"  # a Teller card number


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who the customer means, as they typed it. ``value`` never appears in a repr."""

    kind: RecipientKind
    value: str

    def __repr__(self) -> str:
        return f"Recipient(kind={self.kind.value!r})"


class TransferStatus(StrEnum):
    PROCESSING = "processing"
    PENDING_REVIEW = "pending_review"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"


class MoneyRequestStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"  # its transfer is under way or under review
    PAID = "paid"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class MoneyRequestRole(StrEnum):
    PAYER = "payer"  # requests asked of the customer
    REQUESTER = "requester"  # requests the customer made


@dataclass(frozen=True, slots=True)
class FeeQuote:
    operation: Operation
    amount_minor: int
    fee_minor: int
    total_minor: int  # what the payer pays: amount and fee
    currency: str

    @property
    def fee(self) -> Amount:
        return Amount(self.fee_minor, self.currency)

    @property
    def total(self) -> Amount:
        return Amount(self.total_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Payee:
    """What a payer may see of the recipient: "Ivan P." and "•• 4242"."""

    kind: str
    display_name: str
    account_last4: str


@dataclass(frozen=True, slots=True)
class Limits:
    """A customer's outgoing allowance in one currency now (the bank's calendar)."""

    customer_id: UUID
    kyc_level: str  # none | full
    currency: str
    daily_limit_minor: int
    daily_used_minor: int
    daily_remaining_minor: int
    monthly_limit_minor: int
    monthly_used_minor: int
    monthly_remaining_minor: int
    remaining_minor: int  # the most one more payment may be


@dataclass(frozen=True, slots=True)
class TransferPreview:
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    recipient: Payee
    limits: Limits

    @property
    def fee(self) -> Amount:
        return Amount(self.fee_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer to another Teller customer and where it stands."""

    id: UUID
    status: TransferStatus
    payer_customer_id: UUID
    source_account_id: UUID
    recipient_customer_id: UUID
    destination_account_id: UUID
    recipient: Payee
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    description: str
    entry_id: UUID | None  # once completed
    hold_id: UUID | None  # while held for review
    failure_code: str | None
    money_request_id: UUID | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class OperationStatus:
    operation: Operation
    currency: str
    enabled: bool
    until: datetime | None = None  # None while disabled: until staff lift it
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class MoneyRequest:
    id: UUID
    status: MoneyRequestStatus
    requester_customer_id: UUID
    requester_account_id: UUID
    requester_name: str  # masked: "Ivan P."
    payer_customer_id: UUID
    payer_name: str
    amount_minor: int
    currency: str
    note: str | None
    payment_id: UUID | None
    expires_at: datetime
    created_at: datetime


class PaymentsAPI(Protocol):
    """What flows may ask of the payments area."""

    async def quote_fee(self, operation: Operation, amount: Amount) -> FeeQuote:
        """What ``operation`` of ``amount`` costs now (fee and total)."""
        ...

    async def operation_status(self, operation: Operation, currency: str) -> OperationStatus:
        """Whether an admin switch stops ``operation`` in ``currency`` now, until when, why."""
        ...

    async def get_limits(self, customer_id: UUID, currency: str) -> Limits:
        """The customer's outgoing limits in ``currency``, what is used and what is left."""
        ...

    async def preview_transfer(
        self, source_account_id: UUID, recipient: Recipient, amount: Amount
    ) -> TransferPreview:
        """Amount, fee, total and the masked recipient; changes nothing. Raises what
        sending would for the recipient, currency, fee and switches (not for funds,
        limits or review)."""
        ...

    async def send_transfer(
        self,
        source_account_id: UUID,
        recipient: Recipient,
        amount: Amount,
        *,
        description: str,
        idempotency_key: str,
        expected_fee: Amount | None = None,
    ) -> Transfer:
        """Send money to another Teller customer, once per key.

        ``expected_fee`` is the fee the customer was shown; if it changed, ``Conflict``
        (``FEE_CHANGED``). The result is ``completed``, or ``pending_review`` when held
        (the money is then on hold). A refusal moves nothing and leaves the key unused.
        """
        ...

    async def get_transfer(self, transfer_id: UUID) -> Transfer:
        """The transfer, or ``NotFound`` (``PAYMENT_NOT_FOUND``)."""
        ...

    async def request_money(
        self,
        requester_account_id: UUID,
        payer: Recipient,
        amount: Amount,
        *,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> MoneyRequest:
        """Ask the customer ``payer`` names (phone or account) for ``amount``, paid into
        ``requester_account_id``; ``note`` is at most 140 characters."""
        ...

    async def get_money_request(self, request_id: UUID) -> MoneyRequest:
        """The request, or ``NotFound`` (``MONEY_REQUEST_NOT_FOUND``)."""
        ...

    async def list_money_requests(
        self,
        customer_id: UUID,
        *,
        role: MoneyRequestRole | None = None,
        status: MoneyRequestStatus | None = None,
    ) -> list[MoneyRequest]:
        """The customer's requests, newest first (both roles when ``role`` is None)."""
        ...

    async def accept_money_request(
        self,
        request_id: UUID,
        source_account_id: UUID,
        *,
        idempotency_key: str,
        expected_fee: Amount | None = None,
    ) -> Transfer:
        """Pay the request from the payer's account: a transfer like ``send_transfer``.
        A request no longer open raises ``Conflict`` (``MONEY_REQUEST_NOT_PENDING``)."""
        ...

    async def decline_money_request(
        self, request_id: UUID, payer_customer_id: UUID
    ) -> MoneyRequest:
        """The payer says no (``NotFound`` if the request is not asked of them)."""
        ...

    async def cancel_money_request(
        self, request_id: UUID, requester_customer_id: UUID
    ) -> MoneyRequest:
        """The requester withdraws it (``NotFound`` if it is not theirs)."""
        ...
