"""Billers: names and aliases matched despite typos, case and case endings, not common words."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.entities import Biller, extract

TODAY = date(2026, 3, 15)
BILLERS = (
    Biller("vodafone", ("Vodafone",), {"uk": ("Водафон",), "ru": ("Водафон",)}),
    Biller("cez", ("ČEZ",)),
    Biller("o2", ("O2",)),
    Biller("pre", ("PRE",), {"cs": ("Pražská energetika",)}),
    Biller("british_gas", ("British Gas",)),
    Biller("t_mobile", ("T-Mobile",)),
    Biller("kyivstar", ("Kyivstar",), {"uk": ("Київстар",), "ru": ("Киевстар",)}),
    Biller("yasno", ("Yasno",), {"uk": ("ЯСНО",)}),
    Biller("mts", ("MTS",), {"ru": ("МТС",)}),
    Biller("rostelecom", ("Rostelecom",), {"ru": ("Ростелеком",)}),
)


def billers(text: str, language: str) -> list[tuple[str, str]]:
    return [
        (text[e.start : e.end], e.value)
        for e in extract(text, language, today=TODAY, billers=BILLERS)
        if e.entity == "biller"
    ]


@pytest.mark.parametrize(
    ("language", "text", "typed", "biller_id"),
    [
        ("en", "pay my Vodafone bill", "Vodafone", "vodafone"),
        ("en", "pay vodafon bill", "vodafon", "vodafone"),
        ("en", "pay Vodaphone", "Vodaphone", "vodafone"),
        ("en", "pay british gass please", "british gass", "british_gas"),
        ("en", "pay britishgas", "britishgas", "british_gas"),
        ("en", "top up O2", "O2", "o2"),
        ("cs", "zaplať čez", "čez", "cez"),
        ("cs", "zaplatit fakturu od ČEZu", "ČEZu", "cez"),
        ("cs", "zaplať Pražskou energetiku", "Pražskou energetiku", "pre"),
        ("cs", "zaplatit za T Mobile", "T Mobile", "t_mobile"),
        ("ru", "оплати мтс", "мтс", "mts"),
        ("ru", "оплати Ростелекому счёт", "Ростелекому", "rostelecom"),
        ("ru", "оплатить ростеликом", "ростеликом", "rostelecom"),
        ("uk", "поповни Київстару рахунок", "Київстару", "kyivstar"),
        ("uk", "оплатити київстра", "київстра", "kyivstar"),
        ("uk", "оплатити ЯСНО за світло", "ЯСНО", "yasno"),
        ("uk", "оплатити водафон", "водафон", "vodafone"),
    ],
)
def test_biller_names_match_despite_typos_case_and_endings(
    language: str, text: str, typed: str, biller_id: str
) -> None:
    assert billers(text, language) == [(typed, biller_id)]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "pay my phone bill"),
        ("en", "please prepare my statement"),
        ("en", "baseline fees"),
        ("cs", "chci zaplatit elektřinu"),
        ("ru", "оплатить интернет"),
        ("uk", "ясно, дякую"),
        ("uk", "оплатити комуналку"),
    ],
)
def test_common_words_do_not_match_billers(language: str, text: str) -> None:
    assert billers(text, language) == []


def test_aliases_are_used_only_in_their_language() -> None:
    assert billers("pay ЯСНО", "en") == []
    assert billers("оплатити ЯСНО", "uk") == [("ЯСНО", "yasno")]
    # A near spelling of another language's alias still matches, as any typo would.
    assert billers("оплатить Київстар", "ru") == [("Київстар", "kyivstar")]


def test_without_billers_nothing_is_matched() -> None:
    assert [e for e in extract("pay Vodafone", "en", today=TODAY) if e.entity == "biller"] == []


def test_a_biller_match_is_fuzzy_and_says_so() -> None:
    [entity] = [e for e in extract("pay vodafon", "en", billers=BILLERS) if e.entity == "biller"]
    assert entity.extractor == "teller.fuzzy"
    assert 0.8 < entity.confidence < 1.0


def test_a_name_that_is_also_a_word_is_a_biller_in_lower_case_only_after_paying() -> None:
    everyday = (Biller("ee", ("EE",)),)
    found = extract("pay ee £20", "en", today=TODAY, billers=everyday)
    assert [(e.entity, e.value) for e in found if e.entity == "biller"] == [("biller", "ee")]
    assert [
        e for e in extract("ee that's odd", "en", billers=everyday) if e.entity == "biller"
    ] == []
    assert billers("оплати ясно", "uk") == [("ясно", "yasno")]
