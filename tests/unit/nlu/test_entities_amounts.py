"""Amounts: the forms customers type, in every language, and numbers that are not money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from nlu.entities import extract
from nlu.entities.amounts import parse_number

TODAY = date(2026, 3, 15)


def amounts(text: str, language: str) -> list[tuple[str, str, str | None, int | None]]:
    """(typed, value, currency, minor) of every amount found."""
    return [
        (text[e.start : e.end], e.value, e.currency, e.minor)
        for e in extract(text, language, today=TODAY)
        if e.entity == "amount"
    ]


@pytest.mark.parametrize(
    ("language", "text", "typed", "value", "currency", "minor"),
    [
        ("en", "send 50 to mum", "50", "50", None, None),
        ("en", "transfer 50.5 EUR please", "50.5 EUR", "50.5", "EUR", 5050),
        ("en", "send €40 to Anna", "€40", "40", "EUR", 4000),
        ("en", "pay 40€ for tickets", "40€", "40", "EUR", 4000),
        ("en", "send 73 pounds to Tom", "73 pounds", "73", "GBP", 7300),
        ("en", "send 30 eur", "30 eur", "30", "EUR", 3000),
        ("en", "move 1.5k to savings", "1.5k", "1500", None, None),
        ("en", "pay £1,234.56 now", "£1,234.56", "1234.56", "GBP", 123456),
        ("en", "send 7 pounds 50", "7 pounds 50", "7.50", "GBP", 750),
        ("en", "send fifty euros to Kate", "fifty euros", "50", "EUR", 5000),
        ("cs", "pošli 1 234,50 Kč", "1 234,50 Kč", "1234.50", "CZK", 123450),
        ("cs", "pošli 1\u00a0234,50 Kč", "1\u00a0234,50 Kč", "1234.50", "CZK", 123450),
        ("cs", "zaplať 350 korun", "350 korun", "350", "CZK", 35000),
        ("cs", "pošli 30 eura", "30 eura", "30", "EUR", 3000),
        ("cs", "dobít za 300,- Kč", "300,- Kč", "300", "CZK", 30000),
        ("cs", "pošli 1,5 tis. Kč", "1,5 tis. Kč", "1500", "CZK", 150000),
        ("cs", "pošli 15 000 Kc", "15 000 Kc", "15000", "CZK", 1500000),
        ("ru", "переведи 100 рублей", "100 рублей", "100", "RUB", 10000),
        ("ru", "обменять 20 долларов", "20 долларов", "20", "USD", 2000),
        ("ru", "поменяй 50 евро", "50 евро", "50", "EUR", 5000),
        ("ru", "скинь 2к на карту", "2к", "2000", None, None),
        ("ru", "переведи 150 рублей 50 копеек", "150 рублей 50 копеек", "150.50", "RUB", 15050),
        ("ru", "отправь 2500р Олегу", "2500р", "2500", "RUB", 250000),
        ("uk", "переказ 500 грн", "500 грн", "500", "UAH", 50000),
        ("uk", "переказати 500 гривень", "500 гривень", "500", "UAH", 50000),
        ("uk", "переказати 10 тис. грн", "10 тис. грн", "10000", "UAH", 1000000),
        ("uk", "скинь 300₴", "300₴", "300", "UAH", 30000),
        ("uk", "обміняти 20 доларів", "20 доларів", "20", "USD", 2000),
        ("uk", "переказати 1.000.000 грн", "1.000.000 грн", "1000000", "UAH", 100000000),
    ],
)
def test_amount_forms_are_read_with_currency_and_minor_units(
    language: str, text: str, typed: str, value: str, currency: str | None, minor: int | None
) -> None:
    assert amounts(text, language) == [(typed, value, currency, minor)]


def test_yen_has_no_minor_digits() -> None:
    assert amounts("transfer 5000 JPY", "en") == [("5000 JPY", "5000", "JPY", 5000)]


@pytest.mark.parametrize(
    ("text", "language", "typed", "value", "currency"),
    [
        ("send 10.555 EUR", "en", "10.555 EUR", "10.555", "EUR"),
        ("send 100.5 JPY", "en", "100.5 JPY", "100.5", "JPY"),
        ("переведи 100,555 USD", "ru", "100,555 USD", "100.555", "USD"),
    ],
)
def test_more_decimals_than_the_currency_has_gives_no_minor_units(
    text: str, language: str, typed: str, value: str, currency: str
) -> None:
    assert amounts(text, language) == [(typed, value, currency, None)]


def test_a_lone_separator_before_three_digits_follows_the_language() -> None:
    assert amounts("send 1,500 EUR", "en") == [("1,500 EUR", "1500", "EUR", 150000)]
    assert amounts("pošli 1.500 Kč", "cs") == [("1.500 Kč", "1500", "CZK", 150000)]
    assert parse_number("1,500", "cs") == Decimal("1.500")
    assert parse_number("1.500", "en") == Decimal("1.500")


@pytest.mark.parametrize(
    ("raw", "language", "value"),
    [
        ("1 234,50", "cs", "1234.50"),
        ("1,234.50", "en", "1234.50"),
        ("1.234,50", "ru", "1234.50"),
        ("1.000.000", "en", "1000000"),
        ("0,50", "uk", "0.50"),
        ("050", "en", "50"),
        ("300,-", "cs", "300"),
    ],
)
def test_parse_number_reads_grouping_and_decimals(raw: str, language: str, value: str) -> None:
    assert str(parse_number(raw, language)) == value


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("show my last 5 transactions", "en"),
        ("it took 3 days to arrive", "en"),
        ("the code is 4321", "en"),
        ("my new card ends in 4444", "en"),
        ("order at 10:30", "en"),
        ("interest is 5%", "en"),
        ("mám 2 karty, která je aktivní", "cs"),
        ("karta končí na 4444", "cs"),
        ("перевод шел 3 дня", "ru"),
        ("платеж прошел 2 раза", "ru"),
        ("мій телефон 123", "uk"),
        ("платіж пройшов 2 рази", "uk"),
        ("karta 4111-1111-1111-1111 platnost 12/27", "cs"),
        ("I paid 2 bills", "en"),
    ],
)
def test_numbers_that_count_or_identify_things_are_not_money(text: str, language: str) -> None:
    assert amounts(text, language) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("statement for March 2026", "en"),
        ("statement since 1 March", "en"),
        ("výpis od 1. do 15. března", "cs"),
        ("платеж 1.3.2026", "ru"),
        ("виписка за 2025 рік", "uk"),
    ],
)
def test_years_and_day_numbers_in_dates_are_not_amounts(text: str, language: str) -> None:
    assert amounts(text, language) == []


def test_a_message_that_is_only_a_number_is_an_amount() -> None:
    assert amounts("500", "en") == [("500", "500", None, None)]


def test_a_number_word_needs_a_currency_unless_it_is_money_slang() -> None:
    assert amounts("send two cards", "en") == []
    assert amounts("пополни на сотку", "ru") == [("сотку", "100", None, None)]
    assert amounts("скинь півтори тисячі", "uk") == [("півтори тисячі", "1500", None, None)]


@pytest.mark.parametrize(
    ("language", "text", "typed", "value", "currency"),
    [
        ("en", "pay twenty five quid to Josh", "twenty five quid", "25", "GBP"),
        ("en", "send twenty-five pounds", "twenty-five pounds", "25", "GBP"),
        ("en", "transfer fifteen pounds to Ella", "fifteen pounds", "15", "GBP"),
        ("en", "send a hundred pounds to my brother", "a hundred pounds", "100", "GBP"),
        ("en", "send two hundred and fifty pounds", "two hundred and fifty pounds", "250", "GBP"),
        ("en", "pay a grand to the builder", "a grand", "1000", None),
        ("en", "set the limit to five hundred", "five hundred", "500", None),
        ("cs", "pošli dvě stě korun Honzovi", "dvě stě korun", "200", "CZK"),
        ("cs", "zaplať pět set korun za obědy", "pět set korun", "500", "CZK"),
        ("cs", "převeď dvanáct tisíc na spořák", "dvanáct tisíc", "12000", None),
        ("cs", "pošli pětadvacet eur", "pětadvacet eur", "25", "EUR"),
        ("cs", "pošli dva tis. korun", "dva tis. korun", "2000", "CZK"),
        ("cs", "pošli pětistovku Evě", "pětistovku", "500", None),
        (
            "ru",
            "переведи двадцать пять тысяч рублей",
            "двадцать пять тысяч рублей",
            "25000",
            "RUB",
        ),
        ("ru", "я должна Тане пятьсот рублей", "пятьсот рублей", "500", "RUB"),
        ("ru", "отправь тысячу двести рублей", "тысячу двести рублей", "1200", "RUB"),
        ("ru", "переведи пятнадцать тысяч на вклад", "пятнадцать тысяч", "15000", None),
        ("ru", "закинь пятихатку на телефон", "пятихатку", "500", None),
        (
            "uk",
            "переказати двадцять п'ять тисяч гривень",
            "двадцять п'ять тисяч гривень",
            "25000",
            "UAH",
        ),
        ("uk", "я винна Тані п'ятсот гривень", "п'ятсот гривень", "500", "UAH"),
        ("uk", "переказати дев'ятсот гривень", "дев'ятсот гривень", "900", "UAH"),
    ],
)
def test_numbers_in_words_are_read_whole_with_teens_hundreds_and_scales(
    language: str, text: str, typed: str, value: str, currency: str | None
) -> None:
    assert [a[:3] for a in amounts(text, language)] == [(typed, value, currency)]


@pytest.mark.parametrize(
    ("language", "text", "typed", "value", "currency"),
    [
        ("en", "need to send 5 grand to the builder", "5 grand", "5000", None),
        ("en", "send 100 crowns to Jana", "100 crowns", "100", "CZK"),
        ("cs", "vrať mi 300 kaček", "300 kaček", "300", "CZK"),
        ("ru", "скинь 2 тыщи Вове", "2 тыщи", "2000", None),
        ("ru", "отправь 3 ляма на вклад", "3 ляма", "3000000", None),
        ("ru", "сколько будет 1000 юаня", "1000 юаня", "1000", "CNY"),
    ],
)
def test_spoken_scales_and_currency_names_are_read(
    language: str, text: str, typed: str, value: str, currency: str | None
) -> None:
    assert [a[:3] for a in amounts(text, language)] == [(typed, value, currency)]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("send two cards", "en"),
        ("send one more time", "en"),
        ("показать две карты", "ru"),
        ("ztratil jsem kartu, poslední 4 čísla 8005", "cs"),
        ("objednávka č. 558213 nedorazila, zaplatil jsem", "cs"),
        ("lost my card, last 4 digits 6650, please send a new one", "en"),
        ("заказ 558213 не пришел, оплатил давно", "ru"),
        ("I'm 30 and need a loan", "en"),
        ("je mi 30 a chci půjčku", "cs"),
        ("Мне 30, хочу кредит", "ru"),
    ],
)
def test_numbers_that_identify_or_give_an_age_are_not_money(text: str, language: str) -> None:
    assert amounts(text, language) == []


def test_a_message_opening_with_a_number_for_someone_is_a_payment() -> None:
    assert amounts("100 to Maria", "en") == [("100", "100", None, None)]
    assert amounts("3 to 5 days", "en") == []
    assert amounts("скинь мне 500", "ru") == [("500", "500", None, None)]
    assert amounts("I'm 30 and need a loan of 5000", "en") == [("5000", "5000", None, None)]
