"""When two rules claim the same characters, the most checkable reading wins."""

from __future__ import annotations

from datetime import date

from nlu.entities import extract
from nlu.entities.candidates import Candidate, Rank, blocked, entities, resolve
from nlu.result import Entity

TODAY = date(2026, 3, 15)


def kinds(text: str, language: str) -> list[tuple[str, str]]:
    return [(e.entity, text[e.start : e.end]) for e in extract(text, language, today=TODAY)]


def test_a_card_number_is_not_also_a_phone_or_an_amount() -> None:
    assert kinds("block card 5500 0055 5555 5559", "en") == [
        ("card_number", "5500 0055 5555 5559")
    ]


def test_digits_inside_an_iban_are_not_amounts_or_phones() -> None:
    assert kinds("pay 500 EUR to DE89 3704 0044 0532 0130 00", "en") == [
        ("amount", "500 EUR"),
        ("iban", "DE89 3704 0044 0532 0130 00"),
    ]


def test_a_date_keeps_its_day_and_year_from_amount_rules() -> None:
    assert kinds("pošli 500 Kč 1. 3. 2026", "cs") == [
        ("amount", "500 Kč"),
        ("date", "1. 3. 2026"),
    ]


def test_an_amount_does_not_swallow_a_following_date() -> None:
    assert kinds("send 50 EUR 15 March", "en") == [("amount", "50 EUR"), ("date", "15 March")]


def test_entities_come_sorted_by_start() -> None:
    text = "вчора надіслав 1000 гривень на 067 123 45 67"
    found = extract(text, "uk", today=TODAY)
    assert [e.entity for e in found] == ["date", "amount", "phone"]
    assert found == sorted(found, key=lambda e: e.start)


def _candidate(kind: str, start: int, end: int, rank: Rank) -> Candidate:
    return Candidate(Entity(kind, "v", start, end, "test"), rank)


def test_resolve_prefers_rank_then_length_and_blocked_spans_yield_nothing() -> None:
    amount = _candidate("amount", 0, 2, Rank.AMOUNT)
    longer_amount = _candidate("amount", 0, 6, Rank.AMOUNT)
    phone = _candidate("phone", 4, 10, Rank.PHONE)
    block = blocked(8, 20, Rank.CARD)
    # The blocked span outranks the phone, so the longer amount no longer collides.
    chosen = resolve([amount, longer_amount, phone, block])
    assert chosen == [longer_amount, block]
    assert entities(chosen) == [longer_amount.entity]
