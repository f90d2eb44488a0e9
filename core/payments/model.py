"""The payments area's vocabulary as pure values: operations, statuses, periods, masking."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ValidationFailed
from core.money import Currency

E = TypeVar("E", bound=StrEnum)
WILDCARD = "*"  # a fee rule for every currency without a rule of its own


class Operation(StrEnum):
    """What a customer does with money; fees, limits and switches are per operation."""

    TRANSFER_INTERNAL = "transfer_internal"  # to another Teller customer
    TRANSFER_CARD = "transfer_card"  # to a card of another bank
    TOPUP_CARD = "topup_card"  # from a card of another bank
    BILL_PAYMENT = "bill_payment"
    EXCHANGE = "exchange"


class SwitchScope(StrEnum):
    """What an admin switch stops: one family of operations, or everything."""

    ALL = "all"
    TRANSFERS = "transfers"
    PAYMENTS = "payments"
    TOPUPS = "topups"
    EXCHANGE = "exchange"


SCOPE_OF: Mapping[Operation, SwitchScope] = {
    Operation.TRANSFER_INTERNAL: SwitchScope.TRANSFERS,
    Operation.TRANSFER_CARD: SwitchScope.TRANSFERS,
    Operation.BILL_PAYMENT: SwitchScope.PAYMENTS,
    Operation.TOPUP_CARD: SwitchScope.TOPUPS,
    Operation.EXCHANGE: SwitchScope.EXCHANGE,
}


class PaymentStatus(StrEnum):
    """A transfer: processing → completed | pending_review | failed;
    pending_review → processing (a decision being carried out) → completed | rejected | failed.
    """

    PROCESSING = "processing"
    PENDING_REVIEW = "pending_review"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"


class Decision(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"  # nobody decided before the review deadline


class RecipientKind(StrEnum):
    ACCOUNT = "account"  # an IBAN of a Teller account
    PHONE = "phone"  # the phone number of a registered customer
    CARD = "card"  # a Teller card number (the cards area's resolver)


def parse_enum(kind: type[E], value: str, field: str) -> E:
    """``value`` as a member of ``kind``, or a validation error naming ``field``."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationFailed(f"one of {allowed}", field=field) from None


def currency_code(value: str, *, wildcard: bool = False) -> str:
    """An ISO 4217 code Teller knows (upper-cased), or ``*`` where ``wildcard`` allows it."""
    if wildcard and value == WILDCARD:
        return value
    return Currency.of(value).code


def check_minor(value: int, field: str, *, positive: bool = False) -> int:
    """A whole number of minor units: zero or more (more than zero if ``positive``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if positive else 0):
        floor = "greater than zero" if positive else "zero or more"
        raise ValidationFailed(f"{field} is whole minor units, {floor}", field=field)
    if value > 10**17:  # far below the 64-bit columns, far above any real amount
        raise ValidationFailed(f"{field} is too large", field=field)
    return value


def check_text(value: str, field: str, *, limit: int = 200) -> str:
    """Free text staff or customers write: 1 to ``limit`` printable characters."""
    text = value.strip()
    if not text or len(text) > limit or not text.isprintable():
        raise ValidationFailed(f"{field} is 1 to {limit} printable characters", field=field)
    return text


def time_zone(name: str) -> ZoneInfo:
    """The bank's time zone by IANA name (``Europe/Prague``)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def period_keys(now: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """The bank's calendar day and month of ``now``: ``("2026-03-02", "2026-03")``.

    Limits reset at midnight where the bank is, not in UTC: a customer in Prague who
    sends money at 00:30 on the 3rd is on the 3rd's limit.
    """
    local = now.astimezone(zone)
    return local.strftime("%Y-%m-%d"), local.strftime("%Y-%m")


def mask_name(full_name: str) -> str:
    """What a payer may see of a recipient: "Ivan Petrov" → "Ivan P."."""
    words = full_name.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {words[-1][0].upper()}."


def last_digits(number: str, count: int = 4) -> str:
    """The end of an account or card number, as shown next to a masked name ("•• 4242")."""
    compact = "".join(ch for ch in number if ch.isalnum())
    return compact[-count:]


# Rough value of one euro minor unit in each default currency, as integer fractions. Only
# for the shipped defaults (fee minimums, limits, risk amounts), so that "100 EUR" is about
# as much in every currency a bank starts with; staff set their own figures as data.
_DEFAULT_RATES: Mapping[str, tuple[int, int]] = {
    "EUR": (1, 1),
    "USD": (1, 1),
    "GBP": (17, 20),
    "CZK": (25, 1),
    "PLN": (43, 10),
    "UAH": (45, 1),
    "JPY": (8, 5),  # no minor unit: 1 EUR cent ≈ 1.6 yen
}


def per_currency(eur_minor: int) -> dict[str, int]:
    """``eur_minor`` euro cents as a default amount in each default currency."""
    return {code: eur_minor * num // den for code, (num, den) in _DEFAULT_RATES.items()}


class MoneyRequestStatus(StrEnum):
    """pending → accepted (its transfer under way or under review) → paid;
    pending → declined | cancelled | expired; accepted → pending if the transfer failed."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    PAID = "paid"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
