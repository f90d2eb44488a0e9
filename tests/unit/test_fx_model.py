"""FX rules without a database: cross rates, the spread, rounding, staleness, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from core.fx.commands import RequestQuote
from core.fx.errors import AmountTooSmall, RatesStale, SameCurrency
from core.fx.model import (
    EuroRate,
    PairRate,
    Side,
    Spreads,
    check_pair,
    check_rate,
    cross,
    customer_rate,
    euro,
    price,
)
from core.money import (
    Currency,
    CurrencyMismatch,
    InvalidAmount,
    NonPositiveAmount,
    UnknownCurrency,
)

AT = datetime(2026, 2, 27, 15, tzinfo=UTC)
EUR, CZK, USD, JPY, KWD = (Currency.of(c) for c in ("EUR", "CZK", "USD", "JPY", "KWD"))


def rate(currency: str, value: str, *, at: datetime = AT) -> EuroRate:
    return EuroRate(currency, Fraction(Decimal(value)), at, "ecb")


def pair(sell: str, buy: str, mid: Fraction) -> PairRate:
    return PairRate(sell, buy, mid, AT, "ecb", AT)


# -- cross rates ----------------------------------------------------------------------------


def test_a_cross_rate_goes_through_the_euro() -> None:
    usd_czk = cross(rate("USD", "1.1682"), rate("CZK", "24.297"))
    assert usd_czk.mid == Fraction(24297, 1000) / Fraction(11682, 10000)
    assert (usd_czk.sell, usd_czk.buy, usd_czk.source) == ("USD", "CZK", "ecb")


def test_the_euro_side_of_a_pair_is_the_published_rate_itself() -> None:
    eur_czk = cross(euro(AT), rate("CZK", "24.297"))
    czk_eur = cross(rate("CZK", "24.297"), euro(AT))
    assert eur_czk.mid == Fraction(24297, 1000)
    assert czk_eur.mid == 1 / eur_czk.mid


def test_a_pair_ages_with_its_older_source_rate() -> None:
    older = AT - timedelta(days=1)
    usd_czk = cross(rate("USD", "1.1682", at=older), rate("CZK", "24.297"))
    assert usd_czk.aging_since == older
    usd_czk.ensure_fresh(older + timedelta(hours=120), timedelta(hours=120))
    with pytest.raises(RatesStale) as refused:
        usd_czk.ensure_fresh(older + timedelta(hours=120, seconds=1), timedelta(hours=120))
    assert refused.value.data["max_age_hours"] == 120


def test_a_pair_of_overrides_never_goes_stale() -> None:
    manual = EuroRate("UAH", Fraction(48), AT, "override", ages=False)
    eur_uah = cross(euro(AT), manual)
    assert eur_uah.aging_since is None
    eur_uah.ensure_fresh(AT + timedelta(days=365), timedelta(hours=1))


# -- the spread and rounding ------------------------------------------------------------------


def test_the_spread_is_taken_off_the_mid_rate_and_rounded_down() -> None:
    assert customer_rate(Fraction(24297, 1000), 50) == Decimal("24.175515")
    # 1/3 less nothing, to ten significant digits, rounded down.
    assert customer_rate(Fraction(1, 3), 0) == Decimal("0.3333333333")
    assert customer_rate(Fraction(2, 3), 0) == Decimal("0.6666666666")


def test_selling_a_fixed_amount_rounds_what_the_customer_gets_down() -> None:
    priced = price(pair("EUR", "CZK", Fraction(24297, 1000)), EUR, CZK, Side.SELL, 10_000, 50)
    # 100.00 EUR at 24.175515 is 2417.5515 CZK: the customer gets 2417.55.
    assert (priced.sell_amount, priced.buy_amount) == (10_000, 241_755)
    assert priced.rate == Decimal("24.175515")
    assert priced.mid_rate == Decimal("24.297")


def test_buying_a_fixed_amount_rounds_what_the_customer_pays_up() -> None:
    priced = price(pair("EUR", "CZK", Fraction(24297, 1000)), EUR, CZK, Side.BUY, 100_000, 50)
    # 1000.00 CZK / 24.175515 = 41.3641... EUR: the customer pays 41.37.
    assert (priced.sell_amount, priced.buy_amount) == (4_137, 100_000)


def test_currencies_without_minor_units_are_priced_in_whole_units() -> None:
    priced = price(pair("EUR", "JPY", Fraction(18241, 100)), EUR, JPY, Side.SELL, 1_000, 0)
    assert priced.buy_amount == 1_824  # 10.00 EUR = 1824.1 JPY, rounded down


def test_an_amount_that_exchanges_into_nothing_is_refused() -> None:
    with pytest.raises(AmountTooSmall):
        price(pair("JPY", "EUR", Fraction(100, 18241)), JPY, EUR, Side.SELL, 1, 50)


@pytest.mark.parametrize("amount", [0, -100, True])
def test_a_zero_or_negative_amount_is_refused(amount: int) -> None:
    with pytest.raises(NonPositiveAmount):
        price(pair("EUR", "CZK", Fraction(24)), EUR, CZK, Side.SELL, amount, 50)


def test_an_amount_past_fifteen_integer_digits_on_either_side_is_refused() -> None:
    with pytest.raises(InvalidAmount):
        price(pair("EUR", "JPY", Fraction(18241, 100)), EUR, JPY, Side.SELL, 10**16, 0)


_MIDS = st.fractions(min_value=Fraction(1, 10**5), max_value=Fraction(10**5)).filter(
    lambda f: f > 0
)
_CURRENCIES = st.sampled_from([EUR, CZK, USD, JPY, KWD])


@settings(max_examples=300, deadline=None)
@given(
    mid=_MIDS,
    sell=_CURRENCIES,
    buy=_CURRENCIES,
    side=st.sampled_from(Side),
    amount=st.integers(min_value=1, max_value=10**12),
    spread=st.integers(min_value=0, max_value=2_000),
)
def test_the_customer_never_gets_more_than_the_mid_rate_gives(
    mid: Fraction, sell: Currency, buy: Currency, side: Side, amount: int, spread: int
) -> None:
    try:
        priced = price(pair(sell.code, buy.code, mid), sell, buy, side, amount, spread)
    except (AmountTooSmall, InvalidAmount):
        return
    sold = Fraction(priced.sell_amount, 10**sell.exponent)
    bought = Fraction(priced.buy_amount, 10**buy.exponent)
    assert bought <= sold * mid  # at the mid rate, the sale is worth at least the purchase
    assert priced.rate <= mid * Fraction(10_000 - spread, 10_000)
    fixed = priced.sell_amount if side is Side.SELL else priced.buy_amount
    assert fixed == amount  # the side the customer fixed is exactly what they asked
    # And the rounding costs less than one minor unit of the side that was rounded.
    at_rate = sold * Fraction(priced.rate)
    if side is Side.SELL:
        assert at_rate - bought < Fraction(1, 10**buy.exponent)
    else:
        assert (sold - bought / Fraction(priced.rate)) * 10**sell.exponent < 1


# -- input ------------------------------------------------------------------------------------


def test_a_pair_is_two_different_currencies_the_bank_keeps() -> None:
    kept = ("EUR", "CZK")
    assert check_pair("eur", "czk", kept) == (EUR, CZK)
    with pytest.raises(SameCurrency):
        check_pair("EUR", "eur", kept)
    with pytest.raises(UnknownCurrency):
        check_pair("EUR", "USD", kept)  # real, but no accounts in it
    with pytest.raises(UnknownCurrency):
        check_pair("EUR", "XYZ", kept)


@pytest.mark.parametrize(
    "value", ["0", "-1", "0.0000001", "1000000001", "1.0000000000001", "NaN", "Infinity"]
)
def test_a_rate_must_be_positive_sane_and_not_over_precise(value: str) -> None:
    with pytest.raises(ValidationFailed):
        check_rate(Decimal(value))


def test_the_amount_of_a_quote_request_says_which_side_it_fixes() -> None:
    assert RequestQuote.for_amount("eur", "CZK", 100, "EUR").side is Side.SELL
    assert RequestQuote.for_amount("EUR", "CZK", 100, "czk").side is Side.BUY
    with pytest.raises(SameCurrency):
        RequestQuote.for_amount("EUR", "EUR", 100, "EUR")
    with pytest.raises(CurrencyMismatch):
        RequestQuote.for_amount("EUR", "CZK", 100, "USD")


def test_spreads_per_pair_apply_both_ways_and_fall_back_to_the_default() -> None:
    spreads = Spreads.parse(50, "EUR/CZK=30, usd/eur=20")
    assert spreads.for_pair("CZK", "EUR") == 30
    assert spreads.for_pair("EUR", "USD") == 20
    assert spreads.for_pair("USD", "CZK") == 50
    assert Spreads.parse(50, "").pairs == {}


@pytest.mark.parametrize("text", ["EUR/CZK", "EUR=30", "EUR/CZK=-1", "EUR/XYZ=10", "EUR/CZK=9999"])
def test_a_malformed_pair_spread_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        Spreads.parse(50, text)
