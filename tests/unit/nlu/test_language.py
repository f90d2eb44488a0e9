"""Which language a message is in, with the customer's setting as the prior."""

from __future__ import annotations

import pytest

from nlu.language import LanguageIdentifier

SAMPLES = [
    ("what is my balance", "en"),
    ("send money to my friend", "en"),
    ("kolik mam penez na uctu", "cs"),
    ("poslat penize kamaradovi", "cs"),
    ("сколько денег на счету", "ru"),
    ("перевести деньги другу", "ru"),
    ("скільки грошей на рахунку", "uk"),
    ("переказати гроші другові", "uk"),
]


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier().fit(SAMPLES * 3)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Převeďte 200 Kč", "cs"),  # ř and ě are Czech only
        ("Поповніть рахунок", "uk"),  # і
        ("Покажи счёт", "ru"),  # ё
        ("what is my balance please", "en"),
        ("kolik mam na uctu", "cs"),  # Czech without its diacritics
    ],
)
def test_each_language_is_recognized(
    identifier: LanguageIdentifier, text: str, language: str
) -> None:
    assert identifier.detect(text).language == language


def test_a_message_without_letters_keeps_the_customers_language(
    identifier: LanguageIdentifier,
) -> None:
    found = identifier.detect("50 👍", prior="uk")
    assert (found.language, found.confidence) == ("uk", 0.0)


def test_a_short_ambiguous_message_stays_in_the_customers_language(
    identifier: LanguageIdentifier,
) -> None:
    assert identifier.detect("ok", prior="cs").language == "cs"
    assert identifier.detect("ok", prior="en").language == "en"


def test_the_model_survives_a_round_trip(identifier: LanguageIdentifier, tmp_path) -> None:  # type: ignore[no-untyped-def]
    identifier.save(tmp_path / "language.json")
    loaded = LanguageIdentifier.load(tmp_path / "language.json")
    for text, language in SAMPLES:
        assert loaded.detect(text).language == language
