"""Phone numbers: found by libphonenumber, read in the region of the customer's language."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.entities import extract

TODAY = date(2026, 3, 15)


def phones(text: str, language: str) -> list[tuple[str, str]]:
    return [
        (text[e.start : e.end], e.value)
        for e in extract(text, language, today=TODAY)
        if e.entity == "phone"
    ]


@pytest.mark.parametrize(
    ("language", "text", "typed", "e164"),
    [
        ("en", "send £20 to 07911 123456", "07911 123456", "+447911123456"),
        ("en", "call me on 0161 496 0123", "0161 496 0123", "+441614960123"),
        ("cs", "pošli 200 Kč na 777 123 456", "777 123 456", "+420777123456"),
        ("cs", "moje číslo je +420 603 987 654", "+420 603 987 654", "+420603987654"),
        ("ru", "мой номер 8 (912) 345-67-89", "8 (912) 345-67-89", "+79123456789"),
        ("ru", "номер 89035554433 не работает", "89035554433", "+79035554433"),
        ("uk", "мій номер 067 123 45 67", "067 123 45 67", "+380671234567"),
        ("uk", "переказ 500 грн на +380 67 123 4567", "+380 67 123 4567", "+380671234567"),
    ],
)
def test_phone_numbers_are_given_in_e164_using_the_languages_region(
    language: str, text: str, typed: str, e164: str
) -> None:
    assert phones(text, language) == [(typed, e164)]


def test_a_number_with_a_country_code_is_read_whatever_the_language() -> None:
    assert phones("send 50 euro to +420 777 123 456", "en") == [
        ("+420 777 123 456", "+420777123456")
    ]
    assert phones("переказати на +7 912 345-67-89", "uk") == [("+7 912 345-67-89", "+79123456789")]


def test_a_phone_number_is_not_also_an_amount() -> None:
    text = "dobij 777123456 za 300 Kč"
    found = [(e.entity, text[e.start : e.end]) for e in extract(text, "cs", today=TODAY)]
    assert found == [("phone", "777123456"), ("amount", "300 Kč")]


@pytest.mark.parametrize("text", ["my phone is 123 and it doesnt work", "room 101", "1234"])
def test_short_numbers_are_not_phones(text: str) -> None:
    assert phones(text, "en") == []
