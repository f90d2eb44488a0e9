"""Receipts: amounts, fee, rate, masked parties, reference, time, and a QR code that
carries the bank's signed reference."""

from __future__ import annotations

from typing import Any

import pytest

from render.documents import ReceiptKind
from render.errors import InvalidDocument
from render.formatting import Money
from render.locales import LANGUAGES
from render.receipt import receipt_image, receipt_sheet
from tests.unit.render.documents import exchange, transfer
from tests.unit.render.glyphs import missing_glyphs
from tests.unit.render.golden import assert_matches_golden
from tests.unit.render.qr_reader import qr_texts


def test_a_transfer_receipt_shows_what_happened() -> None:
    drawn = receipt_sheet(transfer()).drawn
    for expected in (
        "Transfer receipt",
        "€50.00",
        "Fee",
        "€0.50",
        "Total",
        "€50.50",
        "Jane D. •• 1234",
        "Ivan P. •• 4242",
        "TR-2026-000123",
        "2 Mar 2026, 10:30:00",  # in the customer's time zone
    ):
        assert expected in drawn


def test_its_qr_code_carries_the_verification_link() -> None:
    receipt = transfer()
    assert qr_texts(receipt_image(receipt).content) == [receipt.verification]


def test_an_exchange_receipt_shows_both_amounts_and_the_rate() -> None:
    drawn = receipt_sheet(exchange("cs")).drawn
    assert "Potvrzení o směně" in drawn
    assert "1 EUR = 25,123 CZK" in drawn
    assert "2\u00a0512,30\u00a0Kč" in drawn
    assert "Bez poplatku" in drawn


@pytest.mark.parametrize("kind", list(ReceiptKind))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_renders_in_every_language_with_every_glyph(
    kind: ReceiptKind, language: str
) -> None:
    receipt = exchange(language) if kind is ReceiptKind.EXCHANGE else transfer(language, kind=kind)
    assert missing_glyphs(receipt_sheet(receipt).drawn) == set()


@pytest.mark.parametrize("language", ["en", "uk"])
def test_receipts_match_their_goldens(language: str) -> None:
    assert_matches_golden(receipt_image(transfer(language)).content, f"receipt_{language}.png")


def test_a_bill_payment_shows_the_provider_reference() -> None:
    receipt = transfer(
        kind=ReceiptKind.PAYMENT, payee="Prague Energy", provider_reference="PE-99812"
    )
    drawn = receipt_sheet(receipt).drawn
    assert "Payment receipt" in drawn
    assert "PE-99812" in drawn


def test_a_long_party_name_is_cut_with_an_ellipsis() -> None:
    drawn = receipt_sheet(
        transfer(payee="Bartholomew Maximilian Fitzgerald-Hohenzollern " * 5)
    ).drawn
    [payee] = [line for line in drawn if line.startswith("Bartholomew")]
    assert payee.endswith("…")


def test_the_same_receipt_gives_the_same_bytes() -> None:
    assert receipt_image(transfer("ru")).content == receipt_image(transfer("ru")).content


@pytest.mark.parametrize(
    "changes",
    [
        {"reference": " "},
        {"verification": ""},
        {"verification": "https://teller.example/" + "x" * 600},
        {"fee": Money(-1, "EUR")},
        {"kind": ReceiptKind.EXCHANGE},  # without what was bought and the rate
    ],
)
def test_a_receipt_that_cannot_be_true_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidDocument):
        receipt_image(transfer(**changes))
