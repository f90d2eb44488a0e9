"""IBANs: mod-97 checked, with or without spaces, in any case."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.entities import extract
from nlu.entities.ibans import mod97_valid

TODAY = date(2026, 3, 15)


def found(text: str, language: str) -> list[tuple[str, str, str]]:
    return [
        (e.entity, text[e.start : e.end], e.value) for e in extract(text, language, today=TODAY)
    ]


@pytest.mark.parametrize(
    ("language", "text", "typed", "compact"),
    [
        (
            "en",
            "IBAN CZ65 0800 0000 1920 0014 5399",
            "CZ65 0800 0000 1920 0014 5399",
            "CZ6508000000192000145399",
        ),
        (
            "en",
            "pay to GB82WEST12345698765432",
            "GB82WEST12345698765432",
            "GB82WEST12345698765432",
        ),
        (
            "cs",
            "můj iban cz65 0800 0000 1920 0014 5399",
            "cz65 0800 0000 1920 0014 5399",
            "CZ6508000000192000145399",
        ),
        (
            "ru",
            "перевести на FR14 2004 1010 0505 0001 3M02 606",
            "FR14 2004 1010 0505 0001 3M02 606",
            "FR1420041010050500013M02606",
        ),
        (
            "uk",
            "IBAN UA21 3223 1300 0002 6007 2335 6600 1",
            "UA21 3223 1300 0002 6007 2335 6600 1",
            "UA213223130000026007233566001",
        ),
    ],
)
def test_valid_ibans_are_found_compact_and_upper_case(
    language: str, text: str, typed: str, compact: str
) -> None:
    assert found(text, language) == [("iban", typed, compact)]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "is GB82 WEST 1234 5698 7654 33 correct?"),
        ("cs", "iban CZ91 0300 0000 0012 3456 7891"),
        ("ru", "DE89 3704 0044 0532 0130 01 это правильно?"),
        ("uk", "iban UA31 3220 0100 0002 6209 8765 4321 1"),
    ],
)
def test_a_failed_checksum_yields_no_iban_and_no_amounts_from_its_digits(
    language: str, text: str
) -> None:
    assert found(text, language) == []


def test_an_amount_next_to_an_iban_is_kept() -> None:
    text = "send to ES91 2100 0418 4502 0005 1332 120 EUR"
    assert found(text, "en") == [
        ("iban", "ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332"),
        ("amount", "120 EUR", "120"),
    ]


def test_an_iban_running_into_more_characters_is_not_taken() -> None:
    assert found("GB82WEST123456987654321", "en") == []


def test_mod97_check() -> None:
    assert mod97_valid("GB82WEST12345698765432")
    assert not mod97_valid("GB82WEST12345698765433")
