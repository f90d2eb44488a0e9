"""The cards area's rules as pure values: numbers, expiry, limits, PINs, authorizations.

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
from core.money import Currency

PAN_LENGTH = 16
PIN_ATTEMPTS = 3  # wrong PINs in a row that block it
MIN_CASHBACK_BPS, MAX_CASHBACK_BPS = 200, 3300  # 2 % to 33 %, the range of the offer
_BIN = re.compile(r"[0-9]{6}|[0-9]{8}")
_MCC = re.compile(r"[0-9]{4}")
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


class Channel(StrEnum):
    POS = "pos"  # card present at a terminal
    ONLINE = "online"  # card not present: e-commerce
    ATM = "atm"


class AuthorizationStatus(StrEnum):
    PENDING = "pending"  # approved by the rules, its hold not yet placed
    APPROVED = "approved"  # money held
    DECLINED = "declined"
    CLEARED = "cleared"  # posted to the ledger
    REVERSED = "reversed"  # hold voided
    EXPIRED = "expired"  # the hold ran out before clearing


class DeclineReason(StrEnum):
    """Why an authorization was declined, with its ISO 8583 response code."""

    CARD_BLOCKED_LOST = "card_blocked_lost"
    CARD_BLOCKED_STOLEN = "card_blocked_stolen"
    CARD_EXPIRED = "card_expired"
    WRONG_EXPIRY = "wrong_expiry"
    CARD_LOCKED = "card_locked"
    ONLINE_DISABLED = "online_disabled"
    ATM_DISABLED = "atm_disabled"
    WRONG_CURRENCY = "wrong_currency"
    WRONG_CVV = "wrong_cvv"
    PIN_REQUIRED = "pin_required"
    WRONG_PIN = "wrong_pin"
    PIN_BLOCKED = "pin_blocked"
    TRANSACTION_LIMIT = "transaction_limit"
    DAILY_LIMIT = "daily_limit"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    ACCOUNT_UNAVAILABLE = "account_unavailable"
    UNKNOWN_CARD = "unknown_card"

    @property
    def response_code(self) -> str:
        return _ISO_CODES[self]


APPROVED_CODE = "00"
_ISO_CODES = {
    DeclineReason.CARD_BLOCKED_LOST: "41",
    DeclineReason.CARD_BLOCKED_STOLEN: "43",
    DeclineReason.CARD_EXPIRED: "54",
    DeclineReason.WRONG_EXPIRY: "54",
    DeclineReason.CARD_LOCKED: "62",
    DeclineReason.ONLINE_DISABLED: "57",
    DeclineReason.ATM_DISABLED: "57",
    DeclineReason.WRONG_CURRENCY: "13",
    DeclineReason.WRONG_CVV: "N7",
    DeclineReason.PIN_REQUIRED: "55",
    DeclineReason.WRONG_PIN: "55",
    DeclineReason.PIN_BLOCKED: "75",
    DeclineReason.TRANSACTION_LIMIT: "61",
    DeclineReason.DAILY_LIMIT: "61",
    DeclineReason.INSUFFICIENT_FUNDS: "51",
    DeclineReason.ACCOUNT_UNAVAILABLE: "62",
    DeclineReason.UNKNOWN_CARD: "14",
}


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


# -- limits -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """Spending limits of a card in its account's minor units."""

    per_transaction: int
    daily: int


@dataclass(frozen=True, slots=True)
class LimitPolicy:
    """A currency's default limits and the highest a customer may set, in major units."""

    per_transaction: int
    daily: int
    max_per_transaction: int
    max_daily: int

    def defaults(self, currency: str) -> Limits:
        scale = 10 ** Currency.of(currency).exponent
        return Limits(self.per_transaction * scale, self.daily * scale)

    def check(self, limits: Limits, currency: str) -> Limits:
        """The limits if they are whole, positive, ordered and within the bank's maxima."""
        scale = 10 ** Currency.of(currency).exponent
        for field, value, ceiling in (
            ("per_transaction_limit", limits.per_transaction, self.max_per_transaction),
            ("daily_limit", limits.daily, self.max_daily),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValidationFailed("a limit is a positive whole amount", field=field)
            if value > ceiling * scale:
                raise ValidationFailed(
                    "the limit is above what the bank allows",
                    field=field,
                    maximum=ceiling * scale,
                )
        if limits.per_transaction > limits.daily:
            raise ValidationFailed(
                "the per-transaction limit cannot exceed the daily limit",
                field="per_transaction_limit",
            )
        return limits


# Major units, so one policy reads alike across exponents; roughly equal in value.
LIMIT_POLICIES: dict[str, LimitPolicy] = {
    "EUR": LimitPolicy(1_000, 2_500, 10_000, 25_000),
    "USD": LimitPolicy(1_000, 2_500, 10_000, 25_000),
    "GBP": LimitPolicy(1_000, 2_500, 10_000, 25_000),
    "CZK": LimitPolicy(25_000, 60_000, 250_000, 600_000),
    "PLN": LimitPolicy(4_000, 10_000, 40_000, 100_000),
    "UAH": LimitPolicy(40_000, 100_000, 400_000, 1_000_000),
    "JPY": LimitPolicy(150_000, 400_000, 1_500_000, 4_000_000),
}
FALLBACK_POLICY = LimitPolicy(1_000, 2_500, 10_000, 25_000)


def limit_policy(currency: str) -> LimitPolicy:
    return LIMIT_POLICIES.get(currency, FALLBACK_POLICY)


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


# -- authorizations -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CardRules:
    """What an authorization is judged against: the card as locked for it."""

    status: CardStatus
    block_reason: BlockReason | None
    expiry: Expiry
    currency: str
    online_enabled: bool
    atm_enabled: bool
    limits: Limits


@dataclass(frozen=True, slots=True)
class Purchase:
    """The parts of an authorization request the rules look at."""

    amount: int
    currency: str
    channel: Channel
    expiry: Expiry
    cvv_ok: bool | None  # None: no CVV was sent


def card_decline(card: CardRules, purchase: Purchase, now: datetime) -> DeclineReason | None:
    """The first rule about the card itself that refuses ``purchase``, in order of weight.

    PIN and limits come after (see :func:`limit_decline`): a PIN is checked only for a
    purchase the card would otherwise allow, so a locked card never counts PIN attempts.
    """
    if card.status is CardStatus.BLOCKED:
        if card.block_reason is BlockReason.STOLEN:
            return DeclineReason.CARD_BLOCKED_STOLEN
        return DeclineReason.CARD_BLOCKED_LOST
    if card.expiry.passed(now):
        return DeclineReason.CARD_EXPIRED
    if purchase.expiry != card.expiry:
        return DeclineReason.WRONG_EXPIRY
    if card.status is CardStatus.LOCKED:
        return DeclineReason.CARD_LOCKED
    if purchase.channel is Channel.ONLINE and not card.online_enabled:
        return DeclineReason.ONLINE_DISABLED
    if purchase.channel is Channel.ATM and not card.atm_enabled:
        return DeclineReason.ATM_DISABLED
    if purchase.currency != card.currency:
        return DeclineReason.WRONG_CURRENCY
    if purchase.cvv_ok is False:
        return DeclineReason.WRONG_CVV
    return None


def limit_decline(card: CardRules, amount: int, used_today: int) -> DeclineReason | None:
    """The per-transaction and daily limits; ``used_today`` sums today's approved ones."""
    if amount > card.limits.per_transaction:
        return DeclineReason.TRANSACTION_LIMIT
    if used_today + amount > card.limits.daily:
        return DeclineReason.DAILY_LIMIT
    return None


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar day around ``now``: the period a daily limit covers."""
    start = datetime(now.year, now.month, now.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def validate_mcc(mcc: str) -> str:
    """A merchant category code (ISO 18245): four digits."""
    if not isinstance(mcc, str) or not _MCC.fullmatch(mcc):
        raise ValidationFailed("a merchant category code is four digits", field="mcc")
    return mcc


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
