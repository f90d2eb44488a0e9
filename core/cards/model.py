"""The cards area's rules as pure values: numbers, expiry, holder names, PINs, cashback
(authorizations and limits: ``core.cards.rules``).

No database, no clock, no keys: services load state, ask these functions, and write the
answer. Everything here is unit-tested without I/O.
"""

from __future__ import annotations

import re
import secrets
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from core.cards.errors import InvalidCardNumber, InvalidPin, WeakPin
from core.errors import ValidationFailed

PAN_LENGTH = 16
PIN_ATTEMPTS = 3  # wrong PINs in a row that block it
MIN_CASHBACK_BPS, MAX_CASHBACK_BPS = 200, 3300  # 2 % to 33 %, the range of the offer
_BIN = re.compile(r"[0-9]{6}|[0-9]{8}")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


class CardTier(StrEnum):
    DIGITAL = "digital"  # the Digital Tariff Card: earns cashback
    STANDARD = "standard"

    @property
    def display_name(self) -> str:
        return {"digital": "Digital Tariff Card", "standard": "Standard Card"}[self.value]

    @property
    def earns_cashback(self) -> bool:
        return self is CardTier.DIGITAL


class CardStatus(StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"  # by the customer, reversible
    BLOCKED = "blocked"  # lost or stolen: final


class BlockReason(StrEnum):
    LOST = "lost"
    STOLEN = "stolen"


# -- card numbers -----------------------------------------------------------------------


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body + digit`` pass the Luhn check (ISO/IEC 7812-1)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:  # doubled: these sit at odd positions once the digit is added
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def is_luhn_valid(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def validate_bin(bin_: str) -> str:
    """An issuer identification number: 6 or 8 digits (ISO/IEC 7812-1:2017)."""
    if not _BIN.fullmatch(bin_):
        raise ValueError("a card BIN is 6 or 8 digits")
    return bin_


def new_card_number(bin_: str) -> str:
    """A fresh 16-digit number: the BIN, random account digits, the Luhn check digit."""
    account_digits = PAN_LENGTH - 1 - len(bin_)
    body = bin_ + "".join(str(secrets.randbelow(10)) for _ in range(account_digits))
    return body + luhn_check_digit(body)


def normalize_card_number(raw: str) -> str:
    """Digits only (spaces and dashes dropped), 13 to 19 of them, Luhn-valid."""
    digits = re.sub(r"[\s-]", "", raw)
    if not 13 <= len(digits) <= 19 or not digits.isascii() or not is_luhn_valid(digits):
        raise InvalidCardNumber()
    return digits


def last_four(number: str) -> str:
    return number[-4:]


# -- expiry -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Expiry:
    """A card's expiry as printed (MM/YY): valid through the month's last second, UTC."""

    year: int
    month: int

    @classmethod
    def after(cls, now: datetime, years: int) -> Expiry:
        """The expiry of a card issued at ``now``, valid ``years`` years (end of month)."""
        return cls(now.year + years, now.month)

    @property
    def ends_at(self) -> datetime:
        last_day = monthrange(self.year, self.month)[1]
        return datetime(self.year, self.month, last_day, tzinfo=UTC) + timedelta(days=1)

    def passed(self, now: datetime) -> bool:
        return now >= self.ends_at

    def __str__(self) -> str:
        return f"{self.month:02d}/{self.year % 100:02d}"


# -- holder names -------------------------------------------------------------------------


def masked_name(full_name: str) -> str:
    """How a payer sees a recipient: first name and the last name's initial, "Ivan P."."""
    parts = full_name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0]}."


# -- PINs ---------------------------------------------------------------------------------


def validate_pin_shape(pin: str) -> str:
    """A PIN as entered: 4 to 6 ASCII digits."""
    if not isinstance(pin, str) or not 4 <= len(pin) <= 6 or not pin.isascii():
        raise InvalidPin()
    if not pin.isdigit():
        raise InvalidPin()
    return pin


def validate_pin(pin: str) -> str:
    """A new PIN: 4 to 6 digits, not one repeated digit nor a run (1111, 1234, 9876)."""
    validate_pin_shape(pin)
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(pin)}
    if steps in ({0}, {1}, {9}):  # 1111, 1234, 9876 (and wrapping 8901)
        raise WeakPin()
    return pin


# -- cashback -----------------------------------------------------------------------------


def month_of(moment: datetime) -> str:
    """The calendar month (UTC) as ``YYYY-MM``: cashback accrues and is paid per month."""
    moment = moment.astimezone(UTC)
    return f"{moment.year:04d}-{moment.month:02d}"


def next_month(month: str) -> str:
    year, number = parse_month(month)
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def parse_month(month: str) -> tuple[int, int]:
    match = _MONTH.fullmatch(month) if isinstance(month, str) else None
    if match is None:
        raise ValidationFailed("a month is written YYYY-MM", field="month")
    return int(match.group(1)), int(match.group(2))


def check_rate(rate_bps: int) -> int:
    """A cashback rate in basis points within the offer's 2 % to 33 %."""
    if (
        isinstance(rate_bps, bool)
        or not isinstance(rate_bps, int)
        or not MIN_CASHBACK_BPS <= rate_bps <= MAX_CASHBACK_BPS
    ):
        raise ValidationFailed(
            "a cashback rate is 200 to 3300 basis points (2 % to 33 %)", field="rate_bps"
        )
    return rate_bps


def cashback_for(amount: int, rate_bps: int) -> int:
    """Cashback on a cleared purchase of ``amount`` minor units, rounded down."""
    return amount * rate_bps // 10_000
