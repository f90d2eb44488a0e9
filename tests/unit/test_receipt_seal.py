"""Sealed receipt codes: what they vouch for cannot be changed without the bank's keys."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.crypto import Keyring
from core.receipts import ReceiptFacts, ReceiptForged, ReceiptSeal

FACTS = ReceiptFacts("TR-1", "transfer", 5_000, "EUR", datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


def keyring(seed: int) -> Keyring:
    return Keyring({"k1": bytes([seed]) * 32}, "k1", bytes([seed + 1]) * 32)


def test_a_code_opens_to_its_facts_and_is_short_enough_for_a_qr_code() -> None:
    code = ReceiptSeal(keyring(1)).seal(FACTS)
    assert ReceiptSeal(keyring(1)).open(code) == FACTS
    assert len(code) < 200


def test_another_banks_keys_do_not_open_it() -> None:
    code = ReceiptSeal(keyring(1)).seal(FACTS)
    with pytest.raises(ReceiptForged):
        ReceiptSeal(keyring(3)).open(code)


def test_a_changed_amount_breaks_the_seal() -> None:
    code = ReceiptSeal(keyring(1)).seal(FACTS)
    payload, mac = code.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["a"] = 500_000
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")
    with pytest.raises(ReceiptForged):
        ReceiptSeal(keyring(1)).open(f"{forged}.{mac}")


@given(st.text(max_size=500))
def test_nothing_but_a_sealed_code_opens(junk: str) -> None:
    with pytest.raises(ReceiptForged):
        ReceiptSeal(keyring(1)).open(junk)
