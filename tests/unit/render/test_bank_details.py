"""Bank details: holder, IBAN, BIC and an EPC QR code (EPC069-12) banking apps scan."""

from __future__ import annotations

from typing import Any

import pytest

from render.bank_details import bank_details_image, bank_details_sheet
from render.epc import epc_payload
from render.errors import InvalidDocument
from render.formatting import Money
from render.locales import LANGUAGES
from tests.unit.render.documents import details
from tests.unit.render.glyphs import missing_glyphs
from tests.unit.render.golden import assert_matches_golden
from tests.unit.render.qr_reader import qr_texts


def test_the_qr_code_is_an_epc_credit_transfer_to_the_holder() -> None:
    [text] = qr_texts(bank_details_image(details("cs")).content)
    assert text.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "GIBACZPX",
        "Ivana Procházková",
        "CZ6508000000192000145399",
    ]


def test_a_request_for_euros_carries_the_amount_and_the_message() -> None:
    asked = details(amount=Money(1_250, "EUR"), message="Rent  March")
    [text] = qr_texts(bank_details_image(asked).content)
    lines = text.split("\n")
    assert lines[7] == "EUR12.50"
    assert lines[8:] == ["", "", "Rent March"]


def test_the_picture_shows_the_iban_in_groups_of_four() -> None:
    drawn = bank_details_sheet(details()).drawn
    assert "CZ65 0800 0000 1920 0014 5399" in drawn
    assert "GIBACZPX" in drawn
    assert "Jane Doe" in drawn


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_glyph(language: str) -> None:
    assert missing_glyphs(bank_details_sheet(details(language)).drawn) == set()


def test_bank_details_match_their_golden() -> None:
    assert_matches_golden(bank_details_image(details("ru")).content, "details_ru.png")


@pytest.mark.parametrize(
    "changes",
    [
        {"iban": "CZ66 0800 0000 1920 0014 5399"},  # a wrong check digit
        {"iban": "not an iban"},
        {"bic": "GIBA"},
        {"holder": "  "},
        {"amount": Money(1_000, "CZK")},  # EPC codes ask for euros only
        {"amount": Money(0, "EUR")},
    ],
)
def test_details_a_bank_app_could_not_use_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidDocument):
        bank_details_image(details(**changes))


def test_a_payload_over_the_formats_331_bytes_is_refused() -> None:
    iban, bic = "CZ6508000000192000145399", "GIBACZPX"
    longest = epc_payload(name="y" * 70, iban=iban, bic=bic, message="x" * 140)
    assert len(longest.encode()) <= 331
    with pytest.raises(InvalidDocument):  # Cyrillic takes two bytes a letter in UTF-8
        epc_payload(name="Ж" * 70, iban=iban, bic=bic, message="Ж" * 140)
