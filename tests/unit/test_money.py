"""Money: the value type, ISO 4217 exponents, and locale-aware parsing and formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import CoreError, NotFound, ValidationFailed
from core.money import (
    MAX_INTEGER_DIGITS,
    SUPPORTED_CURRENCIES,
    Currency,
    CurrencyMismatch,
    InvalidAmount,
    Money,
    NonPositiveAmount,
    TooManyDecimals,
    UnknownCurrency,
    format_money,
    parse_money,
)

NBSP, NNBSP = "\u00a0", "\u202f"


def plain(text: str) -> str:
    """Babel separates with NO-BREAK SPACE or NARROW NO-BREAK SPACE; compare with spaces."""
    return text.replace(NBSP, " ").replace(NNBSP, " ")


# --- currencies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exponent"),
    [
        *[("JPY", 0), ("KRW", 0), ("ISK", 0), ("EUR", 2), ("CZK", 2), ("UAH", 2), ("LAK", 2)],
        *[("KWD", 3), ("BHD", 3), ("IQD", 3), ("CLF", 4), ("UYW", 4)],
    ],
)
def test_exponents_follow_iso_4217(code: str, exponent: int) -> None:
    assert Currency.of(code) == Currency(code, exponent)


def test_currency_code_is_case_insensitive() -> None:
    assert Currency.of("eur") == Currency("EUR", 2)


@pytest.mark.parametrize("code", ["XAU", "XDR", "XTS", "XXX", "BOV", "ABC", "", "EURO", "€"])
def test_codes_without_minor_units_and_unknown_codes_are_rejected(code: str) -> None:
    with pytest.raises(UnknownCurrency):
        Currency.of(code)


def test_a_currency_cannot_claim_another_exponent() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Currency("JPY", 2)


def test_supported_currencies_are_active_iso_codes() -> None:
    assert {"EUR", "USD", "CZK", "UAH", "RUB", "JPY", "KWD", "CLF"} <= SUPPORTED_CURRENCIES
    assert not {"XAU", "XAG", "XPT", "XPD", "XDR", "XSU", "XUA", "XTS", "XXX"} & (
        SUPPORTED_CURRENCIES
    )
    assert not {"XBA", "XBB", "XBC", "XBD", "CHE", "CHW", "USN"} & SUPPORTED_CURRENCIES


def test_a_pycountry_upgrade_that_changes_the_currency_list_gets_reviewed() -> None:
    # New codes default to 2 decimals: check each against ISO 4217's minor unit column
    # (and _ISO_MINOR_UNITS / _NOT_MONEY in core/money.py) before updating this count.
    assert len(SUPPORTED_CURRENCIES) == 158


# --- the value type ---------------------------------------------------------------------


def test_of_normalizes_the_currency_code() -> None:
    assert Money.of(150, "czk") == Money(150, "CZK")


@pytest.mark.parametrize("minor", [1.5, 1.0, True, Decimal(1), "100", None])
def test_minor_units_must_be_an_int(minor: object) -> None:
    with pytest.raises(InvalidAmount):
        Money.of(minor, "EUR")  # type: ignore[arg-type]


def test_unknown_currency_is_rejected_on_construction() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        Money(100, "ABC")
    assert caught.value.data == {"currency": "ABC"}


def test_arithmetic_in_one_currency() -> None:
    a, b = Money(1050, "EUR"), Money(250, "EUR")
    assert a + b == Money(1300, "EUR")
    assert a - b == Money(800, "EUR")
    assert -a == Money(-1050, "EUR")
    assert b - a == Money(-800, "EUR")


def test_comparisons_in_one_currency() -> None:
    small, big = Money(1, "USD"), Money(2, "USD")
    assert small < big
    assert small <= big
    assert big > small
    assert big >= small
    assert small <= Money(1, "USD")
    assert max(big, small) is big


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_raises(operation: object) -> None:
    assert callable(operation)
    with pytest.raises(CurrencyMismatch) as caught:
        operation(Money(100, "EUR"), Money(100, "USD"))
    assert caught.value.data == {"expected": "EUR", "actual": "USD"}


def test_money_of_different_currencies_is_simply_not_equal() -> None:
    assert Money(100, "EUR") != Money(100, "USD")
    assert len({Money(100, "EUR"), Money(100, "EUR"), Money(100, "USD")}) == 2


def test_money_does_not_mix_with_plain_numbers() -> None:
    with pytest.raises(TypeError):
        Money(100, "EUR") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(100, "EUR") < 1  # type: ignore[operator]  # noqa: B015


def test_zero_and_sign_predicates() -> None:
    zero = Money.zero("jpy")
    assert zero == Money(0, "JPY")
    assert zero.is_zero()
    assert not zero.is_positive()
    assert not zero.is_negative()
    assert Money(1, "JPY").is_positive()
    assert Money(-1, "JPY").is_negative()


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        (Decimal("12.50"), "EUR", 1250),
        ("12.5", "EUR", 1250),
        ("-0.01", "EUR", -1),
        ("1.000", "EUR", 100),  # trailing zeros are exact, so fine here
        (Decimal("1E+3"), "JPY", 1000),
        ("0.125", "KWD", 125),
        ("0.0001", "CLF", 1),
    ],
)
def test_from_decimal(value: Decimal | str, currency: str, minor: int) -> None:
    assert Money.from_decimal(value, currency) == Money(minor, currency)


def test_to_decimal_has_the_currency_exponent() -> None:
    assert str(Money(1250, "EUR").to_decimal()) == "12.50"
    assert str(Money(-5, "EUR").to_decimal()) == "-0.05"
    assert str(Money(1250, "JPY").to_decimal()) == "1250"
    assert str(Money(1250, "KWD").to_decimal()) == "1.250"
    assert str(Money(1250, "EUR")) == "12.50 EUR"


@pytest.mark.parametrize(
    ("value", "currency"),
    [("10.001", "EUR"), ("5.5", "JPY"), (Decimal("0.0001"), "KWD"), (Decimal("1E-99999"), "EUR")],
)
def test_from_decimal_rejects_too_many_decimals(value: Decimal | str, currency: str) -> None:
    with pytest.raises(TooManyDecimals):
        Money.from_decimal(value, currency)


@pytest.mark.parametrize(
    "value",
    [1.5, 12, "1e3", "1,000", "", " 5", "NaN", Decimal("NaN"), Decimal("Infinity"), "1" * 16],
)
def test_from_decimal_rejects_floats_and_non_numbers(value: object) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_decimal(value, "EUR")  # type: ignore[arg-type]


# --- formatting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "locale", "expected"),
    [
        (Money(123450, "USD"), "en", "$1,234.50"),
        (Money(123450, "EUR"), "en", "€1,234.50"),
        (Money(-500, "USD"), "en", "-$5.00"),
        (Money(1234, "JPY"), "en", "¥1,234"),
        (Money(1234500, "KWD"), "en", "KWD1,234.500"),
        (Money(123450, "CZK"), "cs", "1 234,50 Kč"),
        (Money(1234, "JPY"), "cs", "1 234 JP¥"),
        (Money(123450, "RUB"), "ru", "1 234,50 ₽"),
        (Money(123450, "UAH"), "uk", "1 234,50 ₴"),
        (Money(123450, "UAH"), "ru", "1 234,50 ₴"),
        (Money(0, "EUR"), "uk", "0,00 EUR"),
    ],
)
def test_format_money(money: Money, locale: str, expected: str) -> None:
    assert plain(format_money(money, locale)) == expected


def test_format_uses_no_break_spaces() -> None:
    assert format_money(Money(123450, "CZK"), "cs") == f"1{NBSP}234,50{NBSP}Kč"


@pytest.mark.parametrize("locale", ["xx", "", "not a locale!", "zz-ZZ"])
def test_format_falls_back_to_english_for_unknown_locales(locale: str) -> None:
    assert format_money(Money(123450, "USD"), locale) == "$1,234.50"


def test_format_accepts_bcp47_tags() -> None:
    assert plain(format_money(Money(123450, "EUR"), "pt-BR")) == "€ 1.234,50"


# --- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "locale", "minor"),
    [
        ("1 234,50 Kč", "CZK", "cs", 123450),
        (f"1{NBSP}234,50{NBSP}Kč", "CZK", "cs", 123450),
        (f"1{NNBSP}234,50", "CZK", "cs", 123450),
        ("1 234,50", "RUB", "ru", 123450),
        ("1 234,50 ₽", "RUB", "ru", 123450),
        ("1 234,50", "UAH", "uk", 123450),
        ("500 грн", "UAH", "uk", 50000),
        ("500 грн.", "UAH", "ru", 50000),
        ("500 ₴", "UAH", "uk", 50000),
        ("$1,234.50", "USD", "en", 123450),
        ("$ 1,234.50", "USD", "en", 123450),
        ("1234.5", "USD", "en", 123450),
        ("12.5 EUR", "EUR", "en", 1250),
        ("12.5 eur", "EUR", "en", 1250),
        ("EUR 12.50", "EUR", "en", 1250),
        ("€12", "EUR", "en", 1200),
        ("12,50 €", "EUR", "cs", 1250),
        ("12.50", "CZK", "cs", 1250),  # a phone keyboard's "." where cs writes ","
        ("100,- Kč", "CZK", "cs", 10000),
        ("  7  ", "EUR", "en", 700),
        ("+7", "EUR", "en", 700),
        ("¥1,234", "JPY", "en", 1234),
        ("1,234.500 KWD", "KWD", "en", 1234500),
        ("1.234,50 €", "EUR", "de", 123450),
        ("1 234,50", "EUR", "fr", 123450),
        ("15", "EUR", "xx", 1500),
    ],
)
def test_parse_money(text: str, currency: str, locale: str, minor: int) -> None:
    assert parse_money(text, currency, locale) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "minor"), [("-$5", -500), ("$-5", -500), ("\u22125", -500), ("0", 0), ("-0.00", 0)]
)
def test_parse_money_allows_non_positive_on_request(text: str, minor: int) -> None:
    assert parse_money(text, "USD", allow_non_positive=True) == Money(minor, "USD")


@pytest.mark.parametrize(
    ("text", "locale"),
    [("0", "en"), ("0.00", "en"), ("-5", "en"), ("-$5", "en"), ("- 1 234,50", "cs")],
)
def test_parse_money_rejects_non_positive_amounts(text: str, locale: str) -> None:
    with pytest.raises(NonPositiveAmount):
        parse_money(text, "USD", locale)


@pytest.mark.parametrize(
    ("text", "currency", "locale"),
    [
        ("", "EUR", "en"),
        ("   ", "EUR", "en"),
        ("abc", "EUR", "en"),
        ("five", "EUR", "en"),
        ("5 apples", "EUR", "en"),
        ("1,23", "EUR", "en"),  # misplaced group separator: 1.23 or 123?
        ("1,2345", "EUR", "en"),
        ("30.00", "EUR", "de"),  # "." groups in de
        ("12 5", "CZK", "cs"),
        ("1 234.50", "USD", "en"),  # en does not group with spaces
        ("1e3", "EUR", "en"),
        ("1_000", "EUR", "en"),
        ("NaN", "EUR", "en"),
        ("5.", "EUR", "en"),
        ("--5", "EUR", "en"),
        ("(5.00)", "EUR", "en"),
        ("$5 USD", "USD", "en"),
        ("1.2.3", "EUR", "cs"),
        ("١٢", "EUR", "en"),  # Arabic-Indic digits are not accepted
        ("1" * 16, "EUR", "en"),  # more than 15 integer digits
        ("1,234,567,890,123,456.00", "USD", "en"),
        ("5" + " " * 80, "EUR", "en"),
    ],
)
def test_parse_money_rejects_garbage(text: str, currency: str, locale: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_money(text, currency, locale, allow_non_positive=True)


def test_parse_money_accepts_fifteen_integer_digits() -> None:
    text = "9" * MAX_INTEGER_DIGITS
    assert parse_money(text, "EUR") == Money(int(text) * 100, "EUR")


@pytest.mark.parametrize(
    ("text", "currency", "locale"),
    [
        ("10.001", "EUR", "en"),
        ("5.5", "JPY", "en"),
        ("5.00", "JPY", "en"),
        ("1,5", "JPY", "cs"),
        ("0.0001", "KWD", "en"),
        ("10.000", "CZK", "cs"),  # maybe ten thousand with a "." group separator: ask again
    ],
)
def test_parse_money_rejects_too_many_decimals(text: str, currency: str, locale: str) -> None:
    with pytest.raises(TooManyDecimals) as caught:
        parse_money(text, currency, locale)
    assert caught.value.data["currency"] == currency


@pytest.mark.parametrize(
    ("text", "currency", "locale"),
    [("$5", "EUR", "en"), ("5 USD", "EUR", "en"), ("500 грн", "RUB", "ru"), ("5 Kč", "EUR", "cs")],
)
def test_parse_money_rejects_another_currencys_symbol(
    text: str, currency: str, locale: str
) -> None:
    with pytest.raises(CurrencyMismatch):
        parse_money(text, currency, locale)


@pytest.mark.parametrize("currency", ["ABC", "XAU", "", "euro"])
def test_parse_money_rejects_unknown_currencies(currency: str) -> None:
    with pytest.raises(UnknownCurrency):
        parse_money("5", currency)


def test_parse_errors_do_not_echo_what_was_typed() -> None:
    typed = "4111 1111 1111 1111"
    with pytest.raises(InvalidAmount) as caught:
        parse_money(typed, "EUR", "cs")
    error = caught.value
    assert "4111" not in str(error)
    assert "4111" not in repr(error.data)
    assert error.__cause__ is None
    assert error.__suppress_context__


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (UnknownCurrency, "UNKNOWN_CURRENCY", 422),
        (CurrencyMismatch, "CURRENCY_MISMATCH", 422),
        (TooManyDecimals, "TOO_MANY_DECIMALS", 422),
        (NonPositiveAmount, "NON_POSITIVE_AMOUNT", 422),
        (InvalidAmount, "INVALID_AMOUNT", 422),
        (ValidationFailed, "VALIDATION_ERROR", 422),
        (NotFound, "NOT_FOUND", 404),
        (CoreError, "CORE_ERROR", 400),
    ],
)
def test_errors_carry_a_stable_code_and_status(
    error: type[CoreError], code: str, status: int
) -> None:
    raised = error("details", field="amount")
    assert isinstance(raised, CoreError)
    assert (raised.code, raised.http_status) == (code, status)
    assert raised.message == str(raised) == "details"
    assert raised.data == {"field": "amount"}
    assert error().message  # a default message, never empty


# --- properties -------------------------------------------------------------------------

ROUND_TRIP_CURRENCIES = ["EUR", "CZK", "JPY", "KWD"]


@st.composite
def money_in(draw: st.DrawFn, currencies: list[str]) -> Money:
    """Money with up to MAX_INTEGER_DIGITS integer digits, of either sign."""
    currency = draw(st.sampled_from(currencies))
    limit = 10 ** (MAX_INTEGER_DIGITS + Currency.of(currency).exponent) - 1
    return Money(draw(st.integers(-limit, limit)), currency)


@given(money=money_in(ROUND_TRIP_CURRENCIES), locale=st.sampled_from(["en", "cs"]))
def test_format_then_parse_gives_the_same_money(money: Money, locale: str) -> None:
    text = format_money(money, locale)
    assert parse_money(text, money.currency, locale, allow_non_positive=True) == money
    assert parse_money(plain(text), money.currency, locale, allow_non_positive=True) == money


@given(money=money_in(["UAH", "RUB", "USD"]), locale=st.sampled_from(["ru", "uk"]))
def test_format_then_parse_round_trips_in_ru_and_uk(money: Money, locale: str) -> None:
    text = format_money(money, locale)
    assert parse_money(text, money.currency, locale, allow_non_positive=True) == money


amounts = st.integers(-(10**18), 10**18)


@given(a=amounts, b=amounts, c=amounts)
def test_addition_is_associative(a: int, b: int, c: int) -> None:
    x, y, z = Money(a, "EUR"), Money(b, "EUR"), Money(c, "EUR")
    assert (x + y) + z == x + (y + z)


@given(a=amounts, b=amounts)
def test_addition_is_commutative_and_subtraction_undoes_it(a: int, b: int) -> None:
    x, y = Money(a, "KWD"), Money(b, "KWD")
    assert x + y == y + x
    assert (x + y) - y == x
    assert x + Money.zero("KWD") == x
    assert x + -x == Money.zero("KWD")


@given(money=money_in(sorted(SUPPORTED_CURRENCIES)))
def test_to_decimal_then_from_decimal_gives_the_same_money(money: Money) -> None:
    value = money.to_decimal()
    assert Money.from_decimal(value, money.currency) == money
    assert Money.from_decimal(str(value), money.currency) == money
