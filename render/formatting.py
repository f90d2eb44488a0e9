"""Money, numbers, dates and times as each locale writes them (Babel)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone
from babel.numbers import format_currency, format_decimal

from render.errors import InvalidDocument
from render.locales import resolve

# Babel wants a territory for some patterns; these are the ones our languages live in.
_LOCALES = {"en": "en_GB", "cs": "cs_CZ", "ru": "ru_RU", "uk": "uk_UA"}


def babel_locale(language: str) -> str:
    return _LOCALES[resolve(language)]


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in integer minor units of an ISO 4217 currency with its exponent (the
    bank says how many minor units a currency has; we never guess)."""

    minor: int
    currency: str
    exponent: int = 2

    def __post_init__(self) -> None:
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise InvalidDocument("a currency is three capital letters", currency=self.currency)
        if not 0 <= self.exponent <= 4:
            raise InvalidDocument("a currency exponent is 0 to 4", exponent=self.exponent)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-self.exponent)

    def __add__(self, other: Money) -> Money:
        if (other.currency, other.exponent) != (self.currency, self.exponent):
            raise InvalidDocument("amounts in different currencies", currency=other.currency)
        return Money(self.minor + other.minor, self.currency, self.exponent)


def money(amount: Money, language: str, *, signed: bool = False) -> str:
    """``1 234,50 Kč`` in Czech, ``€1,234.50`` in English; ``+`` before credits when
    ``signed`` (debits always carry their minus). The decimals follow the bank's exponent,
    not CLDR's idea of the currency."""
    text = format_currency(
        amount.decimal,
        amount.currency,
        format=_pattern(resolve(language), amount.exponent),
        locale=babel_locale(language),
        currency_digits=False,
    )
    return "+" + text if signed and amount.minor > 0 else text


@cache
def _pattern(language: str, exponent: int) -> str:
    """The locale's standard currency pattern with ``exponent`` decimals."""
    pattern = Locale.parse(babel_locale(language)).currency_formats["standard"].pattern
    positive = str(pattern).split(";")[0]
    digits = "#,##0" + ("." + "0" * exponent if exponent else "")
    start = min(positive.index(c) for c in "#0" if c in positive)
    end = max(positive.rindex(c) for c in "#0.," if c in positive) + 1
    return positive[:start] + digits + positive[end:]


def rate(value: Decimal, language: str) -> str:
    """An exchange rate with up to six decimals, as the locale writes numbers."""
    return format_decimal(value, format="#,##0.00####", locale=babel_locale(language))


def day(value: date, language: str) -> str:
    """A date, medium length (``2 Mar 2026``, ``2. 3. 2026``)."""
    return format_date(value, "medium", locale=babel_locale(language))


def short_day(value: date, language: str) -> str:
    """A date in a table column (``02/03/2026``, ``02.03.26``)."""
    return format_date(value, "short", locale=babel_locale(language))


def moment(value: datetime, timezone: str, language: str) -> str:
    """A moment in the customer's time zone, medium length."""
    if value.tzinfo is None:
        raise InvalidDocument("a moment needs its time zone")
    try:
        zone = get_timezone(timezone)
    except LookupError as exc:
        raise InvalidDocument("an unknown time zone", timezone=timezone) from exc
    return format_datetime(value, "medium", tzinfo=zone, locale=babel_locale(language))
