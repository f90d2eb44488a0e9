"""Money: a whole number of minor units of an ISO 4217 currency.

Amounts never pass through floats. `Money` holds an `int` of minor units (cents, haléře,
fils) and an ISO 4217 code; `parse_money` and `format_money` convert to and from what people
read and type in a given locale, using Babel's CLDR data for symbols and separators but the
ISO 4217 minor units for the number of decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Final

import pycountry
from babel import Locale, UnknownLocaleError
from babel.numbers import NumberFormatError, format_currency, get_currency_symbol, parse_decimal

from core.errors import CoreError

# ISO 4217, Table A.1 "Current currency & funds code list", column "Minor unit" (maintained
# by SIX on behalf of ISO). Every supported currency has 2 decimals except those below.
# Babel/CLDR precision is not used on purpose: CLDR gives cash or customary digits, which
# differ from ISO for some currencies (CLDR: IQD 0, LAK 0, RSD 0; ISO: 3, 2, 2).
_ISO_MINOR_UNITS: Final[dict[str, int]] = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
_ISO_DEFAULT_MINOR_UNIT: Final = 2

# Codes that are not money a customer can hold: ISO gives them no minor unit ("N.A.") or they
# are units of account, test codes or fund codes. CLF, UYI and UYW are fund codes too, but
# they are kept (with their ISO minor units above) because Chilean and Uruguayan accounts
# are denominated in them.
_NOT_MONEY: Final = frozenset(
    {
        *("XAU", "XAG", "XPT", "XPD"),  # precious metals
        *("XDR", "XSU", "XUA", "XAD"),  # units of account: IMF SDR, Sucre, ADB, Arab dinar
        *("XBA", "XBB", "XBC", "XBD"),  # bond market units
        *("XTS", "XXX"),  # reserved for testing; no currency involved
        *("BOV", "CHE", "CHW", "COU", "MXV", "USN"),  # fund codes (ISO 4217 Table A.2)
    }
)

_EXPONENTS: Final[dict[str, int]] = {
    str(entry.alpha_3): _ISO_MINOR_UNITS.get(str(entry.alpha_3), _ISO_DEFAULT_MINOR_UNIT)
    for entry in pycountry.currencies
    if str(entry.alpha_3) not in _NOT_MONEY
}

SUPPORTED_CURRENCIES: Final[frozenset[str]] = frozenset(_EXPONENTS)
"""The ISO 4217 codes Teller accepts: active in pycountry, minus codes that are not money."""

# More integer digits than this is a typo or an attack, not a payment (10^15 is a quadrillion).
MAX_INTEGER_DIGITS: Final = 15


class MoneyError(CoreError):
    """Base of the errors about amounts and currencies."""

    code = "MONEY_ERROR"
    http_status = 422
    default_message = "The amount is not valid."


class UnknownCurrency(MoneyError):
    """The currency is not an ISO 4217 code that Teller supports."""

    code = "UNKNOWN_CURRENCY"
    default_message = "The currency is not supported."


class CurrencyMismatch(MoneyError):
    """Two amounts (or an amount and the text typed for it) are in different currencies."""

    code = "CURRENCY_MISMATCH"
    default_message = "The amounts are in different currencies."


class TooManyDecimals(MoneyError):
    """The amount has more decimal places than the currency's minor unit allows."""

    code = "TOO_MANY_DECIMALS"
    default_message = "The amount has too many decimal places for its currency."


class NonPositiveAmount(MoneyError):
    """The amount is zero or negative where a positive amount is required."""

    code = "NON_POSITIVE_AMOUNT"
    default_message = "The amount must be greater than zero."


class InvalidAmount(MoneyError):
    """The amount is not a number, is a float, or is absurdly large."""

    code = "INVALID_AMOUNT"
    default_message = "The amount is not a valid number."


def _safe_code(code: object) -> str | None:
    """Echo a currency code back in error data only when it looks like one (never raw input)."""
    if isinstance(code, str) and len(code) == 3 and code.isascii() and code.isalpha():
        return code.upper()
    return None


def _exponent(code: str) -> int:
    exponent = _EXPONENTS.get(code)
    if exponent is None:
        raise UnknownCurrency(currency=_safe_code(code))
    return exponent


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency and its minor-unit exponent (2 for EUR: 1 EUR = 100 cents)."""

    code: str
    exponent: int

    def __post_init__(self) -> None:
        if _exponent(self.code) != self.exponent:
            raise ValueError(f"{self.code} has {_EXPONENTS[self.code]} decimals in ISO 4217")

    @classmethod
    def of(cls, code: str) -> Currency:
        """Return the currency for an ISO 4217 code (any case); raise `UnknownCurrency`."""
        if not isinstance(code, str):
            raise UnknownCurrency()
        normalized = code.upper()
        return cls(normalized, _exponent(normalized))


@dataclass(frozen=True, slots=True)
class Money:
    """An amount as a whole number of minor units of an ISO 4217 currency.

    Money of different currencies never mixes: arithmetic and ordering raise
    `CurrencyMismatch`. Equality is plain value equality (10 EUR != 10 USD) so that money
    can be hashed and compared with `==` safely.
    """

    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise InvalidAmount("Amounts are whole numbers of minor units.")
        if type(self.minor) is not int:  # an int subclass (IntEnum...): keep a plain int
            object.__setattr__(self, "minor", int(self.minor))
        if not isinstance(self.currency, str):
            raise UnknownCurrency()
        _exponent(self.currency)

    @classmethod
    def of(cls, minor: int, currency: str) -> Money:
        """Build money from minor units and an ISO code in any case ("eur" is EUR)."""
        return cls(minor, Currency.of(currency).code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in the given currency."""
        return cls.of(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | str, currency: str) -> Money:
        """Build money from an amount in major units, e.g. `Decimal("12.50")` or "12.50".

        Strings must be plain decimals ("-12.5", not "1e3" or "1,000"). The value must be
        exactly representable: more significant decimals than the currency allows raise
        `TooManyDecimals` (trailing zeros are fine). Floats raise `InvalidAmount`.
        """
        code = Currency.of(currency).code
        if isinstance(value, str):
            if not _PLAIN_DECIMAL_RE.fullmatch(value):
                raise InvalidAmount()
            value = Decimal(value)
        elif not isinstance(value, Decimal):
            raise InvalidAmount("Amounts must be given as Decimal or str, never float.")
        return cls(_to_minor(value, code), code)

    def to_decimal(self) -> Decimal:
        """The amount in major units with exactly the currency's decimals: 1250 EUR -> 12.50."""
        return Decimal(f"{self.minor}E-{_EXPONENTS[self.currency]}")

    def is_positive(self) -> bool:
        """Whether the amount is greater than zero."""
        return self.minor > 0

    def is_negative(self) -> bool:
        """Whether the amount is less than zero."""
        return self.minor < 0

    def is_zero(self) -> bool:
        """Whether the amount is zero."""
        return self.minor == 0

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(expected=self.currency, actual=other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return self.minor >= other.minor

    def __str__(self) -> str:
        return f"{self.to_decimal()} {self.currency}"


_PLAIN_DECIMAL_RE: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _to_minor(value: Decimal, currency: str) -> int:
    """Convert major units to minor units exactly.

    Works on the digits rather than with Decimal arithmetic: no context rounding, and no
    giant powers of ten for hostile exponents such as "1E-999999999".
    """
    if not value.is_finite():
        raise InvalidAmount()
    sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)  # finite, checked above
    if not any(digits):
        return 0
    if value.adjusted() + 1 > MAX_INTEGER_DIGITS:
        raise InvalidAmount("The amount is too large.")
    exponent = _EXPONENTS[currency]
    shift = exp + exponent
    if shift < 0:
        if -shift > len(digits) or any(digits[shift:]):
            raise TooManyDecimals(currency=currency, exponent=exponent)
        digits, shift = digits[:shift], 0
    minor = int("".join(map(str, digits)) + "0" * shift)
    return -minor if sign else minor


@lru_cache(maxsize=64)
def _locale(identifier: str) -> Locale:
    """Babel locale for "uk", "pt-BR", "cs_CZ"...; unknown or malformed ones fall back to en."""
    try:
        return Locale.parse(identifier.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError, AttributeError):
        return Locale.parse("en")


@lru_cache(maxsize=256)
def _currency_pattern(locale: Locale, exponent: int) -> str:
    """The locale's standard currency pattern with exactly `exponent` decimals."""
    fraction = "." + "0" * exponent if exponent else ""
    return re.sub(r"0\.0+", "0" + fraction, locale.currency_formats["standard"].pattern)


def format_money(money: Money, locale: str = "en") -> str:
    """Format money for people, e.g. "$1,234.50" in en, "1 234,50 Kč" in cs.

    Separators and symbols come from CLDR (Babel); the number of decimals is the ISO 4217
    minor unit (JPY 0, KWD 3). Babel separates with NO-BREAK SPACE or NARROW NO-BREAK SPACE
    where the locale does. An unknown locale falls back to en.
    """
    babel_locale = _locale(locale)
    return format_currency(
        money.to_decimal(),
        money.currency,
        format=_currency_pattern(babel_locale, _EXPONENTS[money.currency]),
        locale=babel_locale,
        currency_digits=False,
        decimal_quantization=True,
    )


# Spellings people type that CLDR symbol data lacks in some locales (e.g. Ukrainians write
# "грн" where CLDR has "₴"); accepted in every locale, always meaning this currency.
_EVERYDAY_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "CZK": ("Kč", "Kc"),
    "EUR": ("€",),
    "GBP": ("£",),
    "JPY": ("¥", "円"),
    "PLN": ("zł",),
    "RUB": ("₽", "руб", "руб.", "р."),
    "UAH": ("₴", "грн", "грн."),
    "USD": ("$", "US$"),
}
_SPACES: Final = frozenset(" \u00a0\u202f")  # space, NO-BREAK SPACE, NARROW NO-BREAK SPACE
_BIDI_MARKS_RE: Final = re.compile("[\u200e\u200f\u061c]")  # CLDR puts these in RTL formats
_WHOLE_MARK_RE: Final = re.compile("^[.,][-\u2013]")  # "100,- Kč": a whole amount (cs, sk, de-CH)
_SIGNS: Final = {"-": -1, "\u2212": -1, "+": 1}  # HYPHEN-MINUS, MINUS SIGN, PLUS SIGN
_MAX_TEXT_LENGTH: Final = 64


@lru_cache(maxsize=64)
def _spellings(locale: Locale) -> dict[str, frozenset[str]]:
    """Map each case-folded code or symbol to the currencies it may denote in the locale."""
    found: dict[str, set[str]] = {}
    for code in _EXPONENTS:
        for token in (code, get_currency_symbol(code, locale), get_currency_symbol(code, "en")):
            found.setdefault(token.casefold(), set()).add(code)
    for code, tokens in _EVERYDAY_SPELLINGS.items():
        for token in tokens:
            found.setdefault(token.casefold(), set()).add(code)
    return {token: frozenset(codes) for token, codes in found.items()}


def _split(text: str) -> tuple[str, str, str]:
    """Split "-$1,234.50" into the text before the first digit, the number and the rest."""
    digits = [i for i, char in enumerate(text) if "0" <= char <= "9"]
    if not digits:
        raise InvalidAmount()
    return text[: digits[0]], text[digits[0] : digits[-1] + 1], text[digits[-1] + 1 :]


def _sign_and_symbol(prefix: str, suffix: str, minus: str) -> tuple[int, str]:
    """Take an optional sign off the prefix; return it and the single currency affix."""
    prefix = prefix.strip()
    sign = 1
    for position in (0, -1):
        if prefix and (prefix[position] in _SIGNS or prefix[position] == minus):
            sign = _SIGNS.get(prefix[position], -1)
            prefix = (prefix[1:] if position == 0 else prefix[:-1]).strip()
            break
    suffix = suffix.strip()
    if prefix and suffix:
        raise InvalidAmount()
    return sign, prefix or suffix


def _check_symbol(symbol: str, currency: str, locale: Locale) -> None:
    if not symbol:
        return
    codes = _spellings(locale).get(" ".join(symbol.split()).casefold())
    if codes is None:
        raise InvalidAmount()
    if currency not in codes:
        raise CurrencyMismatch(expected=currency, actual=sorted(codes)[0])


def _normalize_number(number: str, locale: Locale) -> str:
    """Make typed separators match the locale's, so Babel's strict parser can judge them."""
    symbols = locale.number_symbols["latn"]
    group, decimal = symbols["group"], symbols["decimal"]
    allowed = set("0123456789") | _SPACES | {group, decimal, "."}
    if not set(number) <= allowed:
        raise InvalidAmount()
    if group in _SPACES:
        number = "".join(group if char in _SPACES else char for char in number)
    elif _SPACES & set(number):
        raise InvalidAmount()
    # Phone keyboards often offer only "." : accept it as the decimal point where the locale
    # uses "," and "." is not its group separator (cs, ru, uk; not de, where it groups).
    if decimal != "." and group != "." and decimal not in number and number.count(".") == 1:
        number = number.replace(".", decimal)
    return number


def parse_money(
    text: str, currency: str, locale: str = "en", *, allow_non_positive: bool = False
) -> Money:
    """Parse an amount as people type it in a locale: "1 234,50 Kč", "$1,234.50", "500 грн".

    Separators follow the locale (Babel, strict); a space, NO-BREAK SPACE or NARROW NO-BREAK
    SPACE may stand for a space-like group separator. A currency symbol or code may stand
    before or after the number if it denotes `currency`. Raises `InvalidAmount` (not a
    number, or more than 15 integer digits), `CurrencyMismatch` (another currency's symbol),
    `TooManyDecimals` (more decimals than ISO 4217 allows, even zeros: "10.000" may be a
    thousands separator), `UnknownCurrency`, and `NonPositiveAmount` for zero or less unless
    `allow_non_positive`. Errors never echo the text, which may hold anything a user typed.
    """
    code = Currency.of(currency).code
    exponent = _EXPONENTS[code]
    if not isinstance(text, str) or len(text) > _MAX_TEXT_LENGTH:
        raise InvalidAmount()
    babel_locale = _locale(locale)
    prefix, number, suffix = _split(_BIDI_MARKS_RE.sub("", text))
    whole_mark = _WHOLE_MARK_RE.match(suffix)
    if whole_mark:
        suffix = suffix[whole_mark.end() :]
    minus = babel_locale.number_symbols["latn"]["minusSign"]
    sign, symbol = _sign_and_symbol(prefix, suffix, minus)
    _check_symbol(symbol, code, babel_locale)
    try:
        value = parse_decimal(_normalize_number(number, babel_locale), babel_locale, strict=True)
    except NumberFormatError:
        # Not chained: Babel's message quotes the text, which must not reach logs.
        raise InvalidAmount() from None
    if value.adjusted() + 1 > MAX_INTEGER_DIGITS:
        raise InvalidAmount("The amount is too large.")
    exp = value.as_tuple().exponent
    if isinstance(exp, int) and -exp > exponent:
        raise TooManyDecimals(currency=code, exponent=exponent)
    money = Money(sign * _to_minor(value, code), code)
    if not allow_non_positive and not money.is_positive():
        raise NonPositiveAmount()
    return money
