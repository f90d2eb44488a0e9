"""Card numbers: Luhn-valid digits in groups, and nothing read out of invalid ones."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.entities import extract
from nlu.entities.cards import luhn_valid

TODAY = date(2026, 3, 15)


def found(text: str, language: str) -> list[tuple[str, str, str]]:
    return [
        (e.entity, text[e.start : e.end], e.value) for e in extract(text, language, today=TODAY)
    ]


@pytest.mark.parametrize(
    ("language", "text", "typed", "digits"),
    [
        ("en", "my card number is 4111 1111 1111 1111", "4111 1111 1111 1111", "4111111111111111"),
        ("en", "my amex 3782 822463 10005 was declined", "3782 822463 10005", "378282246310005"),
        ("cs", "karta 4242-4242-4242-4242 nefunguje", "4242-4242-4242-4242", "4242424242424242"),
        ("ru", "переведи на карту 4012888888881881", "4012888888881881", "4012888888881881"),
        ("uk", "загубив картку 5555 5555 5555 4444", "5555 5555 5555 4444", "5555555555554444"),
        (
            "en",
            "transfer to 4917 6100 0000 0000 003",
            "4917 6100 0000 0000 003",
            "4917610000000000003",
        ),
    ],
)
def test_luhn_valid_card_numbers_are_found_as_digits(
    language: str, text: str, typed: str, digits: str
) -> None:
    assert found(text, language) == [("card_number", typed, digits)]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "send to card 4111 1111 1111 1112"),
        ("cs", "číslo karty 5168 7554 1234 5678"),
        ("ru", "карта 4242424242424241 заблокирована"),
        ("uk", "переказати на 1234 5678 9012 3456"),
    ],
)
def test_an_invalid_card_number_yields_no_card_amount_or_phone(language: str, text: str) -> None:
    assert found(text, language) == []


def test_an_amount_before_a_card_stays_an_amount() -> None:
    text = "send 50 EUR to card 4111 1111 1111 1111"
    assert found(text, "en") == [
        ("amount", "50 EUR", "50"),
        ("card_number", "4111 1111 1111 1111", "4111111111111111"),
    ]


def test_digits_starting_with_zero_are_not_a_card() -> None:
    # 00447911123456 passes Luhn, but it is the UK number dialled with 00.
    assert found("please call 0044 7911 123456", "en") == [
        ("phone", "0044 7911 123456", "+447911123456")
    ]


def test_luhn_check_accepts_the_check_digit_and_rejects_a_typo() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert luhn_valid("378282246310005")
