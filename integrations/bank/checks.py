"""Argument checks both implementations run before calling the bank.

The core and its REST API agree on almost every refusal, but a few arguments are judged
by different layers with different codes (the API's schema says ``VALIDATION_ERROR`` for
a four-letter currency where the core says ``UNKNOWN_CURRENCY``; the API reads a naive
datetime as UTC where the core refuses it). Checking these here, identically, keeps the
two implementations interchangeable down to the error code.
"""

from __future__ import annotations

from datetime import datetime

from integrations.bank.errors import from_code
from integrations.bank.types import Amount, Hold

MAX_KEY_LENGTH = 128


def check_key(key: str) -> str:
    """An idempotency key: 1–128 printable ASCII characters, no edge whitespace."""
    # ASCII because the key travels as an HTTP header value (RFC 9110 §5.5).
    if (
        not 1 <= len(key) <= MAX_KEY_LENGTH
        or not key.isascii()
        or not key.isprintable()
        or key.strip() != key
    ):
        raise from_code(
            "VALIDATION_ERROR",
            "an idempotency key is 1 to 128 printable ASCII characters",
            {"field": "idempotency_key"},
        )
    return key


def check_currency(code: str) -> str:
    """A currency code's shape (three letters), upper-cased; the bank checks the rest."""
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise from_code("UNKNOWN_CURRENCY", "The currency is not supported.")
    return code.upper()


def check_amount(amount: Amount) -> Amount:
    """A positive amount in a currency of the right shape."""
    check_currency(amount.currency)
    if amount.minor <= 0:
        raise from_code(
            "NON_POSITIVE_AMOUNT",
            "The amount must be greater than zero.",
            {"amount": str(amount.minor)},
        )
    return amount


def check_period(since: datetime, until: datetime) -> None:
    """Statement bounds must carry a time zone: a naive time is ambiguous in a bank."""
    for field, value in (("since", since), ("until", until)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise from_code("VALIDATION_ERROR", "period bounds need a time zone", {"field": field})


def parse_cursor(cursor: str | None) -> int | None:
    """The position a statement cursor stands for (the last line's sequence number)."""
    if cursor is None:
        return None
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise from_code("VALIDATION_ERROR", "the cursor is not valid", {"field": "cursor"})
    return int(cursor)


def format_cursor(position: int | None) -> str | None:
    """The opaque cursor for a position (see :func:`parse_cursor`)."""
    return None if position is None else str(position)


def check_hold_currency(hold: Hold, amount: Amount) -> None:
    """A capture is in the hold's currency (the core takes bare minor units for it)."""
    if amount.currency != hold.currency:
        raise from_code(
            "CURRENCY_MISMATCH",
            "The amounts are in different currencies.",
            {"hold_id": str(hold.id), "hold_currency": hold.currency, "currency": amount.currency},
        )
