"""Texts published over the catalog: checked like ``teller flows check`` checks the files,
then used at once."""

from __future__ import annotations

from flows.catalog import Catalog
from flows.definition import load_all
from flows.text_overrides import MAX_TEXT, Problem, button_keys, check_override

CATALOG = Catalog.load()
BUTTONS = button_keys(load_all())


def problems(language: str, key: str, text: str) -> list[Problem]:
    return [r.problem for r in check_override(CATALOG, BUTTONS, language, key, text)]


def test_a_text_keeping_the_placeholders_passes() -> None:
    assert CATALOG.original("en", "notify.money_received") == "You've received {amount}."
    assert problems("cs", "notify.money_received", "Přišlo vám {amount}!") == []
    assert problems("uk", "start.welcome_new", "Вітаємо у Teller!") == []


def test_a_lost_or_unknown_placeholder_is_refused() -> None:
    (refusal,) = check_override(CATALOG, BUTTONS, "en", "notify.money_received", "Money {iban}")
    assert refusal.problem is Problem.PLACEHOLDERS
    assert (refusal.expected, refusal.found) == (("amount",), ("iban",))
    assert problems("ru", "notify.money_received", "Деньги пришли") == [Problem.PLACEHOLDERS]


def test_unknown_keys_languages_empty_long_and_broken_texts_are_refused() -> None:
    assert problems("en", "no.such_key", "Hello") == [Problem.UNKNOWN_KEY]
    assert problems("de", "start.welcome_new", "Hallo") == [Problem.UNKNOWN_LANGUAGE]
    assert problems("en", "start.welcome_new", "   ") == [Problem.EMPTY]
    assert problems("en", "start.welcome_new", "x" * (MAX_TEXT + 1)) == [Problem.TOO_LONG]
    assert problems("en", "start.welcome_new", "Hello {") == [Problem.BAD_BRACES]


def test_button_titles_are_held_to_the_shortest_channel_limit() -> None:
    assert "menu.open_account" in BUTTONS
    (refusal,) = check_override(
        CATALOG, BUTTONS, "en", "menu.open_account", "Open a new account now"
    )
    assert (refusal.problem, refusal.limit) == (Problem.TOO_LONG, 20)
    assert problems("en", "menu.open_account", "Open account") == []


def test_an_override_is_used_at_once_and_withdrawn_back_to_the_file() -> None:
    catalog = Catalog.load()
    before = catalog.text("en", "start.welcome_new")
    catalog.override("en", "start.welcome_new", "Hi there")
    assert catalog.text("en", "start.welcome_new") == "Hi there"
    assert catalog.original("en", "start.welcome_new") == before
    catalog.override("en", "start.welcome_new", None)
    assert catalog.text("en", "start.welcome_new") == before
