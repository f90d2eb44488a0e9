"""Flows' small parts: fitting replies to a channel, masking the transcript, reading
answers, sealing secrets and signing secure links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from flows.messages import Button, Buttons, Capabilities, Inbound, Kind, Text, degrade
from flows.redact import redact
from flows.sealing import Sealer
from flows.secure import BadLink, SecurePages
from flows.values import Asked, parse, preset_period
from nlu.entities import extract

TODAY = date(2026, 3, 2)


def _answer(kind: str, text: str, *, currency: str | None = None, length: int | None = None):
    asked = Asked(kind, "en", TODAY, extract(text, "en", today=TODAY), currency, length)
    return parse(asked, Inbound("t", "u", "m", Kind.TEXT, text=text), text)


def test_buttons_that_do_not_fit_become_numbered_text() -> None:
    many = Buttons("Pick one", tuple(Button(f"Choice {n}", f"p{n}") for n in range(1, 6)))
    fitted = degrade(many, Capabilities(max_buttons=3))
    assert fitted == [
        Text("Pick one\n\n1. Choice 1\n2. Choice 2\n3. Choice 3\n4. Choice 4\n5. Choice 5")
    ]
    assert degrade(many, Capabilities(max_buttons=10)) == [many]


def test_long_text_is_split_at_line_breaks() -> None:
    text = "\n".join(f"line {n:03d}" for n in range(100))
    parts = degrade(Text(text), Capabilities(max_text=100))
    assert all(len(p.text) <= 100 for p in parts if isinstance(p, Text))
    assert "\n".join(p.text for p in parts if isinstance(p, Text)) == text


def test_card_numbers_are_masked_in_the_transcript_whatever_the_spacing() -> None:
    assert redact("send 50 to 4111 1111 1111 1111 now") == "send 50 to •••• 1111 now"
    assert redact("4111-1111-1111-1112") == "•••• 1112"
    assert redact("4111111111111111") == "•••• 1111"
    assert redact("call +420 601 234 567 about 50 EUR") == "call +420 601 234 567 about 50 EUR"


def test_amounts_in_the_forms_people_type() -> None:
    assert _answer("amount", "50", currency="EUR").value == {"minor": 5000, "currency": "EUR"}  # type: ignore[union-attr]
    assert _answer("amount", "12.50", currency="EUR").value["minor"] == 1250  # type: ignore[union-attr]
    assert _answer("amount", "€40").value == {"minor": 4000, "currency": "EUR"}  # type: ignore[union-attr]
    assert _answer("amount", "1 234,50 Kč").value == {"minor": 123450, "currency": "CZK"}  # type: ignore[union-attr]
    assert _answer("amount", "0", currency="EUR") is None
    assert _answer("amount", "-5", currency="EUR") is None
    assert _answer("amount", "12.345", currency="EUR") is None  # more decimals than euros have
    assert _answer("amount", "lots", currency="EUR") is None


def test_passcodes_codes_and_recipients() -> None:
    assert _answer("digits", "246 810", length=6).value == "246810"  # type: ignore[union-attr]
    assert _answer("digits", "24681", length=6) is None
    assert _answer("digits", "２４６８１０", length=6) is None  # not ASCII digits
    card = _answer("recipient", "to 4111 1111 1111 1111")
    assert card is not None
    assert card.value == {"kind": "card", "value": "4111111111111111"}
    assert card.shown == "•• 1111"
    iban = _answer("recipient", "CZ65 0800 0000 1920 0014 5399")
    assert iban is not None
    assert iban.value["kind"] == "account"
    assert _answer("recipient", "my friend") is None


def test_periods_from_buttons_and_words() -> None:
    assert preset_period("last_month", TODAY) == (date(2026, 2, 1), date(2026, 2, 28))
    assert preset_period("this_month", TODAY) == (date(2026, 3, 1), TODAY)
    since = _answer("period", "since 1 February")
    assert since is not None
    assert since.value == {"since": "2026-02-01", "until": "2026-03-02"}


def test_sealed_secrets_open_only_with_their_key() -> None:
    sealer = Sealer(b"k" * 32)
    sealed = sealer.seal("4111111111111111")
    assert "4111" not in sealed
    assert sealer.unseal(sealed) == "4111111111111111"
    with pytest.raises(ValueError, match="not sealed with this key"):
        Sealer(b"x" * 32).unseal(sealed)


def test_secure_links_are_signed_and_expire() -> None:
    now = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    clock = [now]
    pages = SecurePages(Sealer(b"k" * 32), "https://teller.example", lambda: clock[0])
    customer, card = uuid4(), uuid4()
    url = pages.mint("pin_set", customer, card, language="cs", channel="webchat", user="u1")
    token = url.rsplit("/", 1)[1]
    claims = pages.read(token)
    assert (claims.purpose, claims.customer_id, claims.card_id) == ("pin_set", customer, card)
    body, _, mac = token.partition(".")
    with pytest.raises(BadLink):
        pages.read(body + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"))
    with pytest.raises(BadLink):
        SecurePages(Sealer(b"z" * 32), "https://x", lambda: now).read(token)
    clock[0] = now + timedelta(minutes=6)
    with pytest.raises(BadLink, match="expired"):
        pages.read(token)
