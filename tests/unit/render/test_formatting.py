"""Money, numbers and dates as each of our four languages writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from render.errors import InvalidDocument
from render.formatting import Money, day, moment, money, rate
from render.locales import LANGUAGES, keys, label, resolve


@pytest.mark.parametrize(
    ("amount", "language", "shown"),
    [
        (Money(123_450, "CZK"), "cs", "1\u00a0234,50\u00a0Kč"),
        (Money(123_450, "USD"), "en", "US$1,234.50"),  # British English: not the pound
        (Money(-4_000, "EUR"), "en", "-€40.00"),
        (Money(50_000, "UAH"), "uk", "500,00\u00a0₴"),
        (Money(1_234, "JPY", 0), "en", "JP¥1,234"),  # the bank's exponent, not CLDR's
        (Money(12_345, "KWD", 3), "en", "KWD12.345"),
    ],
)
def test_money_is_written_the_locales_way(amount: Money, language: str, shown: str) -> None:
    assert money(amount, language) == shown


def test_credits_carry_a_plus_when_signed() -> None:
    assert money(Money(500, "EUR"), "en", signed=True) == "+€5.00"
    assert money(Money(-500, "EUR"), "en", signed=True) == "-€5.00"


@pytest.mark.parametrize("locale", ["de", "xx_YY", "", None, "pt-BR"])
def test_an_unknown_locale_falls_back_to_english(locale: str | None) -> None:
    assert resolve(locale) == "en"
    assert label(locale or "", "statement.title") == "Account statement"


@pytest.mark.parametrize(("locale", "language"), [("cs_CZ", "cs"), ("uk-UA", "uk"), ("RU", "ru")])
def test_locales_with_a_territory_find_their_language(locale: str, language: str) -> None:
    assert resolve(locale) == language


def test_every_language_has_every_label() -> None:
    for language in LANGUAGES:
        assert keys(language) == keys("en"), language


def test_dates_times_and_rates_follow_the_locale() -> None:
    at = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    assert moment(at, "Europe/Kyiv", "uk").startswith("3 бер. 2026")  # already the 3rd there
    assert day(date(2026, 3, 2), "cs") == "2. 3. 2026"
    assert rate(Decimal("25.123"), "ru") == "25,123"


@pytest.mark.parametrize(
    "bad", [lambda: Money(1, "eur"), lambda: Money(1, "EURO"), lambda: Money(1, "EUR", 7)]
)
def test_money_that_cannot_exist_is_refused(bad: object) -> None:
    with pytest.raises(InvalidDocument):
        bad()  # type: ignore[operator]


def test_a_moment_without_its_time_zone_is_refused() -> None:
    with pytest.raises(InvalidDocument):
        moment(datetime(2026, 3, 2, 9, 30), "UTC", "en")  # noqa: DTZ001
