"""Bill payments in ``BankAPI``: ``BillsAPI``, its types, and the argument checks both
implementations share.

This module imports nothing of the core (``integrations.bank`` re-exports it, and flows
must be able to import the Protocol without the core). The mixins live beside it:
``LocalBills`` (:mod:`integrations.bank.bills_local`) for ``LocalBank`` and ``HttpBills``
(:mod:`integrations.bank.bills_http`) for ``HttpBank``.

Field values are what the customer typed, as text (``{"phone": "601 123 456"}``); amounts
are in the biller's currency. A value a biller's schema refuses raises ``InvalidRequest``
with the code ``BILL_FIELDS_INVALID``; :func:`bill_field_errors` reads which fields and
why (stable codes such as ``PHONE_INVALID``, ``CHECK_DIGIT_INVALID``, ``AMOUNT_TOO_LOW``),
and :meth:`BillsAPI.validate_bill` answers the same without raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from integrations.bank.errors import BankError, from_code
from integrations.bank.types import Amount

MAX_FIELDS = 20
MAX_FIELD_NAME = 64
MAX_FIELD_VALUE = 200
MAX_TEXT = 200


class BillPaymentStatus(StrEnum):
    CREATED = "created"  # recorded; nothing moved yet (its request is still running)
    SUBMITTED = "submitted"  # debited, being sent to the biller
    UNKNOWN = "unknown"  # the biller did not answer in time; the bank settles it later
    COMPLETED = "completed"
    REJECTED = "rejected"  # the biller refused: amount and fee returned
    DECLINED = "declined"  # the bank refused before any money moved


@dataclass(frozen=True, slots=True)
class BillerField:
    name: str
    kind: str  # phone | number | plate
    example: str
    required: bool


@dataclass(frozen=True, slots=True)
class Biller:
    """A biller: fixed ``amount_choices_minor`` when not empty, else the bounds."""

    id: str
    name: str
    category: str  # mobile | utilities | tv | internet | transport
    country: str
    currency: str
    fee_minor: int
    amount_min_minor: int | None
    amount_max_minor: int | None
    amount_choices_minor: tuple[int, ...]
    fields: tuple[BillerField, ...]


@dataclass(frozen=True, slots=True)
class BillFieldError:
    field: str  # a field's name, or "amount"
    code: str


@dataclass(frozen=True, slots=True)
class BillValidation:
    """``values`` normalized (E.164 phones, compact numbers) when ``valid``."""

    valid: bool
    values: dict[str, str | int]
    errors: tuple[BillFieldError, ...]


@dataclass(frozen=True, slots=True)
class BillQuote:
    """What the customer confirms: masked details, amount, fee and total."""

    biller_id: str
    biller_name: str
    fields: dict[str, str]
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str

    @property
    def total(self) -> Amount:
        return Amount(self.total_minor, self.currency)


@dataclass(frozen=True, slots=True)
class BillPayment:
    """A bill payment; ``fields`` masked (``+420 ••••••456``, ``••••0125``)."""

    id: UUID
    customer_id: UUID
    account_id: UUID
    biller_id: str
    biller_name: str
    fields: dict[str, str]
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    status: BillPaymentStatus
    reason: str | None  # why it was rejected or declined (a stable code)
    provider_reference: str | None
    payee_id: UUID | None
    debit_entry_id: UUID | None
    final_entry_id: UUID | None  # the settlement, or the refund
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class BillReceipt:
    payment_id: UUID
    biller_id: str
    biller_name: str
    category: str
    fields: dict[str, str]
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    provider_reference: str
    account_id: UUID
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class BillPayee:
    id: UUID
    customer_id: UUID
    biller_id: str
    biller_name: str
    name: str
    fields: dict[str, str]
    created_at: datetime


class BillsAPI(Protocol):
    """Paying bills: billers, validation, quotes, payments, receipts, saved payees."""

    async def list_billers(
        self, *, category: str | None = None, country: str | None = None
    ) -> list[Biller]:
        """The catalogue, optionally of one category and one country (``CZ``)."""
        ...

    async def get_biller(self, biller_id: str) -> Biller:
        """The biller, or ``NotFound`` (``BILLER_NOT_FOUND``)."""
        ...

    async def validate_bill(
        self,
        biller_id: str,
        fields: Mapping[str, str],
        amount_minor: int | None = None,
        *,
        partial: bool = False,
    ) -> BillValidation:
        """Check what a customer typed against the biller's schema, without raising for
        bad values; ``partial`` checks only the fields given (a chat asks one at a time)."""
        ...

    async def quote_bill(
        self, account_id: UUID, biller_id: str, fields: Mapping[str, str], amount: Amount
    ) -> BillQuote:
        """The fee and total paying now would charge, for the summary the customer confirms.

        Raises as :meth:`pay_bill` would before any money moves."""
        ...

    async def pay_bill(
        self,
        account_id: UUID,
        biller_id: str,
        fields: Mapping[str, str],
        amount: Amount,
        *,
        idempotency_key: str,
    ) -> BillPayment:
        """Pay a bill from a customer's account: ``COMPLETED``, ``REJECTED`` (money back)
        or ``UNKNOWN`` (the bank settles it later and tells the customer).

        Raises ``InvalidRequest`` (``BILL_FIELDS_INVALID``, ``CURRENCY_MISMATCH``,
        ``ACCOUNT_NOT_PAYABLE``), ``InsufficientFunds``, ``AccountUnavailable``,
        ``NotFound`` or ``IdempotencyConflict``; a refused payment moves nothing and leaves
        the key unused. The same key again returns the payment as it stands now.
        """
        ...

    async def get_bill_payment(self, payment_id: UUID) -> BillPayment:
        """The payment, or ``NotFound`` (``BILL_PAYMENT_NOT_FOUND``)."""
        ...

    async def get_bill_receipt(self, payment_id: UUID) -> BillReceipt:
        """A completed payment's receipt; ``Conflict`` (``BILL_RECEIPT_NOT_READY``) before."""
        ...

    async def list_bill_payments(self, customer_id: UUID, limit: int = 20) -> list[BillPayment]:
        """The customer's bill payments, newest first (``limit`` 1–100)."""
        ...

    async def repeat_bill_payment(
        self, customer_id: UUID, *, idempotency_key: str, payee_id: UUID | None = None
    ) -> BillPayment:
        """Pay again the customer's last completed payment — to ``payee_id`` if given —
        with the same details, amount and account, under a fresh ``idempotency_key``.
        ``NotFound`` (``NO_PREVIOUS_BILL_PAYMENT``) when there is none."""
        ...

    async def save_bill_payee(
        self, customer_id: UUID, biller_id: str, fields: Mapping[str, str], name: str
    ) -> BillPayee:
        """Save a biller and details under the customer's own name for them (1–60
        characters); ``Conflict`` (``BILL_PAYEE_EXISTS``) if these details are saved."""
        ...

    async def list_bill_payees(self, customer_id: UUID) -> list[BillPayee]:
        """The customer's payees, oldest first."""
        ...

    async def rename_bill_payee(self, customer_id: UUID, payee_id: UUID, name: str) -> BillPayee:
        """Rename a payee; ``NotFound`` (``BILL_PAYEE_NOT_FOUND``) if not the customer's."""
        ...

    async def delete_bill_payee(self, customer_id: UUID, payee_id: UUID) -> BillPayee:
        """Forget a payee (its payments stay); returns it as it was."""
        ...

    async def pay_bill_payee(
        self,
        customer_id: UUID,
        payee_id: UUID,
        account_id: UUID,
        amount: Amount,
        *,
        idempotency_key: str,
    ) -> BillPayment:
        """Pay a saved payee from one of the customer's accounts (see :meth:`pay_bill`)."""
        ...


def bill_field_errors(error: BankError) -> list[BillFieldError]:
    """The fields a ``BILL_FIELDS_INVALID`` error names, with their codes."""
    text = error.data.get("errors")
    if error.code != "BILL_FIELDS_INVALID" or not isinstance(text, str):
        return []
    pairs = (item.partition(":") for item in text.split(";") if item)
    return [BillFieldError(field, code) for field, _, code in pairs]


def check_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Fields within the sizes both implementations accept (the schema judges the rest)."""
    if (
        len(fields) > MAX_FIELDS
        or any(len(k) > MAX_FIELD_NAME for k in fields)
        or any(not isinstance(v, str) or len(v) > MAX_FIELD_VALUE for v in fields.values())
    ):
        raise from_code(
            "VALIDATION_ERROR", "too many fields, or a field too long", {"field": "fields"}
        )
    return dict(fields)


def check_limit(limit: int) -> int:
    """A page size of 1 to 100, judged alike by both implementations."""
    if type(limit) is not int or not 1 <= limit <= 100:
        raise from_code("VALIDATION_ERROR", "a limit of 1 to 100", {"field": "limit"})
    return limit


def check_amount_minor(amount_minor: int | None) -> int | None:
    """An amount to validate is whole minor units (a float or a bool is the caller's bug)."""
    if amount_minor is not None and type(amount_minor) is not int:
        raise from_code("VALIDATION_ERROR", "amounts are whole minor units", {"field": "amount"})
    return amount_minor


def check_biller_id(biller_id: str) -> str:
    """A biller id that can name a biller at all (as a path segment it must not be empty)."""
    if not 1 <= len(biller_id) <= MAX_TEXT:
        raise from_code(
            "BILLER_NOT_FOUND", "No such biller.", {"biller_id": biller_id[:40]}, status=404
        )
    return biller_id


def check_text(value: str, field: str) -> str:
    """A biller id or a name within the size both implementations accept."""
    if len(value) > MAX_TEXT:
        raise from_code("VALIDATION_ERROR", f"{field} is too long", {"field": field})
    return value
