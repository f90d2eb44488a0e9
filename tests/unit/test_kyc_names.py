"""Names across scripts and spellings: MRZ form and the edit distance the checks allow."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.kyc.names import levenshtein, mrz_form, name_distance


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Jana Dvořáková", "JANA DVORAKOVA"),
        ("Петро Шевченко", "PETRO SHEVCHENKO"),
        ("Юлія Щербак", "IULIIA SHCHERBAK"),
        ("Jean-Luc  O'Neill", "JEAN LUC O NEILL"),
        ("Straße", "STRASSE"),
        ("Łukasz Żółć", "LUKASZ ZOLC"),
    ],
)
def test_names_take_the_form_a_machine_readable_zone_gives_them(name: str, form: str) -> None:
    assert mrz_form(name) == form


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [("", "", 0), ("ANNA", "ANNA", 0), ("ANNA", "ANA", 1), ("KITTEN", "SITTING", 3)],
)
def test_levenshtein_counts_single_character_edits(a: str, b: str, distance: int) -> None:
    assert levenshtein(a, b) == distance


def test_name_distance_ignores_case_diacritics_and_word_order() -> None:
    assert name_distance("Jana Dvořáková", "DVORAKOVA JANA") == 0
    assert name_distance("Jana Dvořáková", "Jana Dvorakova") == 0
    assert name_distance("Jana Dvořáková", "Jana Dvorakava") == 1
    assert name_distance("Jana Novak", "Jana Nowakov") == 3


@given(st.text(alphabet="ABC", max_size=8), st.text(alphabet="ABC", max_size=8))
def test_levenshtein_is_a_symmetric_distance_bounded_by_the_longer_string(a: str, b: str) -> None:
    assert levenshtein(a, b) == levenshtein(b, a)
    assert levenshtein(a, b) <= max(len(a), len(b))
    assert (levenshtein(a, b) == 0) == (a == b)
