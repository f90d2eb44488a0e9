"""The catalogs of common, accounts, transfer, auth and support: complete in every language.

``teller flows check`` compares the whole catalog; these tests hold the files of this area
to it file by file, and add what the check does not know: support answers fit a chat
message, every BANKING77 intent has one, and the keywords customers type for global
commands are unambiguous and match the words the texts tell them to type.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flows import yamlio
from flows.catalog import LANGUAGES, TEXTS, Catalog, flatten, placeholders
from flows.check import check
from flows.definition import DefinitionError, load_all

FILES = ("common", "accounts", "transfer", "auth", "support")
BANKING77 = Path(__file__).parents[3] / "nlu" / "data" / "banking77_categories.json"
MAX_ANSWER = 400
COMMANDS = ("cancel", "back", "help", "menu", "operator", "language", "yes", "no")
# Words the texts put in quotes for customers to type: "cancel", „zrušit“, «отмена».
_QUOTED = re.compile(r"[\"„«]([^\"“»]+)[\"“»]")


def _entries(language: str, name: str) -> dict[str, str]:
    data = yamlio.load_file(TEXTS / language / f"{name}.yaml") or {}
    return dict(flatten(data))


def _keywords(language: str) -> dict[str, set[str]]:
    common = _entries(language, "common")
    return {
        command: {w.strip().casefold() for w in common[f"keywords.{command}"].split(",")}
        for command in COMMANDS
    }


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_key_is_translated_with_the_same_placeholders(language: str, name: str) -> None:
    english = _entries("en", name)
    translated = _entries(language, name)
    assert sorted(set(english) - set(translated)) == [], "missing"
    assert sorted(set(translated) - set(english)) == [], "not in English"
    differ = {
        key: (sorted(placeholders(english[key])), sorted(placeholders(translated[key])))
        for key in english
        if placeholders(english[key]) != placeholders(translated[key])
    }
    assert differ == {}


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_empty(language: str, name: str) -> None:
    empty = [key for key, value in _entries(language, name).items() if not value.strip()]
    assert empty == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_banking77_intent_has_a_short_answer(language: str) -> None:
    intents = json.loads(BANKING77.read_text(encoding="utf-8"))
    assert len(intents) == 77
    answers = {
        key.removeprefix("support."): value for key, value in _entries(language, "support").items()
    }
    assert sorted(set(intents) - set(answers)) == []
    assert sorted(set(answers) - set(intents)) == []
    too_long = {k: len(v) for k, v in answers.items() if len(v) > MAX_ANSWER}
    assert too_long == {}
    # An answer is text for a customer: no template braces, no code-like names.
    assert [k for k, v in answers.items() if "{" in v or "_" in v] == []


def test_the_dataset_names_are_kept_exactly() -> None:
    english = _entries("en", "support")
    assert "support.Refund_not_showing_up" in english
    assert "support.reverted_card_payment?" in english


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_typed_word_means_one_command_only(language: str) -> None:
    seen: dict[str, str] = {}
    clashes: list[str] = []
    for command, words in _keywords(language).items():
        assert words, f"keywords.{command} has no words"
        assert "" not in words, f"keywords.{command} has an empty word"
        for word in words:
            if word in seen:
                clashes.append(f"{word!r}: {seen[word]} and {command}")
            seen[word] = command
    assert clashes == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_words_texts_tell_customers_to_type_work(language: str) -> None:
    common = _entries(language, "common")
    keywords = _keywords(language)
    told = {
        "common.finish_first": {"cancel"},
        "handoff.back_with_bot": {"menu"},
        "help.general": {"cancel", "back", "operator"},
    }
    for key, commands in told.items():
        quoted = {q.casefold() for q in _QUOTED.findall(common[key])}
        for command in commands:
            assert quoted & keywords[command], f"{key} names no {command} keyword: {quoted}"
        meant = set().union(*keywords.values())
        assert quoted <= meant, f"{key} quotes words that are not keywords: {quoted - meant}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_language_is_named_in_itself(language: str) -> None:
    names = {"en": "English", "cs": "Čeština", "ru": "Русский", "uk": "Українська"}
    assert _entries(language, "common")["language.name"] == names[language]


def test_every_support_button_has_a_title_in_every_language() -> None:
    routes: dict[str, str] = yamlio.load_file(
        Path(__file__).parents[3] / "flows" / "definitions" / "support_routes.yml"
    )
    try:
        flows = load_all()
    except DefinitionError:
        pytest.skip("a flow definition does not load; teller flows check names it")
    catalog = Catalog.load()
    missing = []
    for target in sorted(set(routes.values()) & set(flows)):
        intents = flows[target].intents
        key = f"intents.{intents[0] if intents else target}"
        missing += [f"{lang}: {key}" for lang in LANGUAGES if not catalog.template(lang, key)]
    assert missing == []


def test_flows_check_reports_nothing_about_these_files() -> None:
    mine = {key for name in FILES for key in _entries("en", name)}
    problems = [p for p in check() if any(f"'{key}'" in p for key in mine)]
    assert problems == []
