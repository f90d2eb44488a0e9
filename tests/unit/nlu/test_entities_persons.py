"""People: capitalized names where a recipient is expected, never guessed elsewhere."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.entities import Biller, extract

TODAY = date(2026, 3, 15)


def persons(text: str, language: str) -> list[str]:
    return [
        text[e.start : e.end]
        for e in extract(text, language, today=TODAY, billers=(Biller("vodafone", ("Vodafone",)),))
        if e.entity == "person"
    ]


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        ("en", "send 20 EUR to Ivan Petrov", "Ivan Petrov"),
        ("en", "pay John Smith £45", "John Smith"),
        ("en", "Send £10 to Liam O'Connor", "Liam O'Connor"),
        ("en", "send 200 GBP to Jane Doe's account", "Jane Doe"),
        ("cs", "pošli 1 234,50 Kč Petrovi", "Petrovi"),
        ("cs", "převeď peníze pro Petru Svobodovou", "Petru Svobodovou"),
        ("cs", "pošli peníze Karlovi Dvořákovi", "Karlovi Dvořákovi"),
        ("cs", "komu: Jan Novák", "Jan Novák"),
        ("ru", "переведи 500 рублей для Ивана Петрова", "Ивана Петрова"),
        ("ru", "отправь 1000 руб Ивану", "Ивану"),
        ("ru", "перевод на имя Ольга Смирнова", "Ольга Смирнова"),
        ("uk", "переказ на ім'я Ольга Коваленко", "Ольга Коваленко"),
        ("uk", "надішли 1000 грн Олені", "Олені"),
        ("uk", "переказати 500 гривень для Івана Петренка", "Івана Петренка"),
    ],
)
def test_names_where_a_recipient_is_expected_are_people(
    language: str, text: str, name: str
) -> None:
    assert persons(text, language) == [name]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "send money to my sister"),
        ("en", "change language to English"),
        ("en", "transfer £1.5k to Savings"),
        ("en", "pay Vodafone £20"),
        ("en", "Hi, I'm Sarah, I need help"),
        ("en", "SEND 100 EUR TO IVAN"),
        ("cs", "pošli 500 UAH mámě na Ukrajinu"),
        ("cs", "utratil jsem 400 Kč včera v Albertu"),
        ("ru", "привет, я Аня, нужна помощь"),
        ("ru", "переведи 1000 EUR в Германию"),
        ("uk", "переказати 1000 EUR до Польщі"),
        ("uk", "виписка за Березень"),
        ("en", "send it to Tesco Bank"),
        ("uk", "надіслати гроші для Приватбанку"),
    ],
)
def test_other_capitalized_words_are_not_people(language: str, text: str) -> None:
    assert persons(text, language) == []


@pytest.mark.parametrize(
    ("language", "text", "name"),
    [
        ("en", "send 40 to my sister Kate", "Kate"),
        ("en", "I owe my mate Jack forty quid", "Jack"),
        ("cs", "pošli Janě 500 Kč", "Janě"),
        ("cs", "Pošli Janě 500", "Janě"),
        ("cs", "pošli sestře Kláře 300 Kč", "Kláře"),
        ("ru", "переведи Сергею 4 500 рублей", "Сергею"),
        ("ru", "должен другу Косте 400 рублей", "Косте"),
        ("uk", "переказати Сергію 4 500 гривень", "Сергію"),
        ("uk", "скинь Марії п'ятсот гривень", "Марії"),
    ],
)
def test_a_name_right_after_a_verb_of_giving_or_a_relative_is_the_recipient(
    language: str, text: str, name: str
) -> None:
    assert persons(text, language) == [name]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "i'm travelling to Spain from June 20 to June 30"),
        ("en", "flight to Lisbon on 28 November"),
        ("en", "upgrade to Premium"),
        ("en", "switch to Metal please"),
        ("ru", "переведи Сбербанку"),
    ],
)
def test_places_and_products_after_to_are_not_people(language: str, text: str) -> None:
    assert persons(text, language) == []
