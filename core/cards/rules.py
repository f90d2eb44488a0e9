"""The rules an authorization is judged by, as pure values: channels, decline reasons
with their ISO 8583 codes, spending limits, and the order in which reasons win."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from core.cards.model import BlockReason, CardStatus, Expiry
from core.errors import ValidationFailed
from core.money import Currency

_MCC = re.compile(r"[0-9]{4}")


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
