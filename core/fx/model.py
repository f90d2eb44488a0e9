"""FX rules as pure values: cross rates via the euro, the spread, rounding, staleness.

Rates are ``Decimal`` as sources publish them; arithmetic on them is exact (``Fraction``)
and rounded once, at the end, always in the bank's favour (see docs/decisions 0027):

* the customer's rate is the mid rate less the spread, rounded *down* to
  :data:`RATE_DIGITS` significant digits: the customer never gets more than the mid
  rate gives;
* selling a fixed amount, what the customer buys is rounded *down* to a minor unit;
  buying a fixed amount, what the customer pays is rounded *up*.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from fractions import Fraction

from core.errors import ValidationFailed
from core.fx.errors import AmountTooSmall, RatesStale, SameCurrency
from core.money import (
    MAX_INTEGER_DIGITS,
    Currency,
    InvalidAmount,
    NonPositiveAmount,
    UnknownCurrency,
)

BASE = "EUR"  # every source's rates are per 1 EUR; other pairs cross through it
RATE_DIGITS = 10  # significant digits of a quoted rate
MAX_RATE_DIGITS = 12  # significant digits a source or an admin may give
BPS = 10_000
MAX_SPREAD_BPS = 2_000  # 20 %: more is a typo in the configuration, not a price
MIN_RATE, MAX_RATE = Decimal("1E-6"), Decimal("1E9")


class Side(StrEnum):
    """Which amount of a quote the customer fixed: what they sell, or what they buy."""

    SELL = "sell"
    BUY = "buy"


class QuoteStatus(StrEnum):
    OPEN = "open"  # may still be exchanged
    USED = "used"  # an exchange took it
    EXPIRED = "expired"  # its lock ran out unused


def check_rate(value: Decimal, field_name: str = "rate") -> Decimal:
    """A rate a source or an admin may give: positive, finite, sane, not over-precise."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed("a rate is a decimal number", field=field_name)
    if not MIN_RATE <= value <= MAX_RATE:
        raise ValidationFailed(f"a rate is between {MIN_RATE} and {MAX_RATE}", field=field_name)
    if len(value.normalize().as_tuple().digits) > MAX_RATE_DIGITS:
        raise ValidationFailed(
            f"a rate has at most {MAX_RATE_DIGITS} significant digits", field=field_name
        )
    return value


def check_pair(sell: str, buy: str, supported: tuple[str, ...]) -> tuple[Currency, Currency]:
    """Two different currencies the bank keeps accounts in (``UNKNOWN_CURRENCY`` if not)."""
    pair = Currency.of(sell), Currency.of(buy)
    for currency in pair:
        if currency.code not in supported:
            raise UnknownCurrency(
                "Teller does not keep accounts in this currency",
                currency=currency.code,
                supported=",".join(supported),
            )
    if pair[0].code == pair[1].code:
        raise SameCurrency(currency=pair[0].code)
    return pair


@dataclass(frozen=True, slots=True)
class EuroRate:
    """What one euro buys of ``currency``, where that came from and whether it ages.

    Rates from a source age (they go stale after the bank's maximum age); an admin's
    override holds for its whole window and does not.
    """

    currency: str
    rate: Fraction
    as_of: datetime
    source: str
    ages: bool = True


@dataclass(frozen=True, slots=True)
class PairRate:
    """The mid rate of a pair: units of ``buy`` per one unit of ``sell``, exact."""

    sell: str
    buy: str
    mid: Fraction
    as_of: datetime  # the older of the rates behind it
    source: str  # "ecb", "static", "override", or both legs' sources joined by "+"
    aging_since: datetime | None  # the oldest source rate used; None: nothing ages

    def ensure_fresh(self, now: datetime, max_age: timedelta) -> None:
        """Refuse rates older than ``max_age``: quoting on them would misprice."""
        if self.aging_since is not None and now - self.aging_since > max_age:
            raise RatesStale(
                as_of=self.aging_since.isoformat(),
                max_age_hours=int(max_age.total_seconds() // 3600),
            )


def cross(sell: EuroRate, buy: EuroRate) -> PairRate:
    """The pair's mid rate through the euro: ``buy per EUR / sell per EUR``."""
    aging = [r.as_of for r in (sell, buy) if r.ages]
    sources = sorted({r.source for r in (sell, buy) if r.currency != BASE})
    return PairRate(
        sell=sell.currency,
        buy=buy.currency,
        mid=buy.rate / sell.rate,
        as_of=min(sell.as_of, buy.as_of),
        source="+".join(sources),
        aging_since=min(aging) if aging else None,
    )


def euro(at: datetime) -> EuroRate:
    """The base currency's own rate: one, always fresh."""
    return EuroRate(BASE, Fraction(1), at, "base", ages=False)


def to_decimal(value: Fraction, rounding: str, digits: int = RATE_DIGITS) -> Decimal:
    """``value`` rounded to ``digits`` significant digits (Decimal division rounds exactly)."""
    with localcontext() as ctx:
        ctx.prec = digits
        ctx.rounding = rounding
        return Decimal(value.numerator) / Decimal(value.denominator)


def customer_rate(mid: Fraction, spread_bps: int) -> Decimal:
    """The mid rate less the spread, rounded down: never more than the mid rate gives."""
    return to_decimal(mid * Fraction(BPS - spread_bps, BPS), ROUND_DOWN)


@dataclass(frozen=True, slots=True)
class Priced:
    """Both amounts of a quote in minor units, at the customer's ``rate``."""

    sell_amount: int
    buy_amount: int
    rate: Decimal  # buy units per sell unit, what the amounts were computed with
    mid_rate: Decimal  # for display; rounded half-even


def price(
    pair: PairRate, sell: Currency, buy: Currency, side: Side, amount: int, spread_bps: int
) -> Priced:
    """Price an exchange of ``amount`` minor units on ``side``; rounding as the module says.

    Raises ``NON_POSITIVE_AMOUNT``, ``INVALID_AMOUNT`` (too large on either side) and
    ``AMOUNT_TOO_SMALL`` (the other side would round to nothing).
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise NonPositiveAmount(amount=str(amount))
    rate = customer_rate(pair.mid, spread_bps)
    # One minor unit of sell, in minor units of buy, at the customer's rate.
    per_minor = Fraction(rate) * 10**buy.exponent / 10**sell.exponent
    if side is Side.SELL:
        sell_amount, buy_amount = amount, math.floor(amount * per_minor)
    else:
        sell_amount, buy_amount = math.ceil(amount / per_minor), amount
    for value, currency in ((sell_amount, sell), (buy_amount, buy)):
        if value >= 10 ** (MAX_INTEGER_DIGITS + currency.exponent):
            raise InvalidAmount("The amount is too large.", currency=currency.code)
    if buy_amount < 1:
        raise AmountTooSmall(currency=sell.code, amount=amount)
    return Priced(sell_amount, buy_amount, rate, to_decimal(pair.mid, ROUND_HALF_EVEN))


@dataclass(frozen=True)
class Spreads:
    """The bank's margin on the mid rate in basis points: one per pair, or the default.

    A pair's spread applies in both directions (``EUR/CZK`` is also ``CZK/EUR``).
    """

    default_bps: int = 50
    pairs: Mapping[frozenset[str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for bps in (self.default_bps, *self.pairs.values()):
            if isinstance(bps, bool) or not 0 <= bps <= MAX_SPREAD_BPS:
                raise ValueError(f"a spread is 0 to {MAX_SPREAD_BPS} basis points")
        if any(len(pair) != 2 for pair in self.pairs):
            raise ValueError("a spread's pair is two different currencies")

    def for_pair(self, sell: str, buy: str) -> int:
        return self.pairs.get(frozenset((sell, buy)), self.default_bps)

    @classmethod
    def parse(cls, default_bps: int, text: str) -> Spreads:
        """Spreads from settings: ``"EUR/CZK=30, EUR/USD=20"`` (empty: the default only)."""
        pairs: dict[frozenset[str], int] = {}
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            pair, sep, bps = item.partition("=")
            try:
                codes = [Currency.of(code.strip()).code for code in pair.split("/")]
            except UnknownCurrency as exc:
                raise ValueError(f"{item!r} names a currency Teller does not know") from exc
            if not sep or len(codes) != 2 or not bps.strip().isdigit():
                raise ValueError(f"a pair spread looks like EUR/CZK=30, not {item!r}")
            pairs[frozenset(codes)] = int(bps)
        return cls(default_bps, pairs)


@dataclass(frozen=True)
class FxConfig:
    """How the bank quotes: spreads, how long a quote holds, how old rates may be."""

    spreads: Spreads = field(default_factory=Spreads)
    quote_ttl: timedelta = timedelta(seconds=30)
    # The ECB publishes on TARGET working days only: Thursday's rates are the newest
    # until Tuesday over Easter. Five days covers that with a day to spare (0026).
    max_rate_age: timedelta = timedelta(hours=120)
    refresh_every: timedelta = timedelta(hours=1)
    complete_pending_every: timedelta = timedelta(minutes=1)

    def __post_init__(self) -> None:
        if not timedelta(seconds=1) <= self.quote_ttl <= timedelta(minutes=10):
            raise ValueError("a quote holds for 1 second to 10 minutes")
        if self.max_rate_age <= timedelta(0) or self.refresh_every <= timedelta(0):
            raise ValueError("rate ages and refresh intervals are positive")
