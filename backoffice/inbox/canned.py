"""Canned responses: configured answers (``canned.yaml`` beside this module) in the bot's
four languages, offered in the customer's language."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from backoffice.sessions import LANGUAGES

FILE = Path(__file__).with_name("canned.yaml")


@dataclass(frozen=True, slots=True)
class Canned:
    key: str
    title: str
    text: str


@cache
def catalog() -> dict[str, dict[str, Canned]]:
    """language → key → response; every response in every language, or a ValueError."""
    loaded = yaml.safe_load(FILE.read_text(encoding="utf-8")) or {}
    found: dict[str, dict[str, Canned]] = {language: {} for language in LANGUAGES}
    for key, by_language in loaded.items():
        missing = set(LANGUAGES) - set(by_language)
        if missing:
            raise ValueError(f"canned response {key!r} lacks {sorted(missing)}")
        for language in LANGUAGES:
            entry = by_language[language]
            found[language][str(key)] = Canned(str(key), str(entry["title"]), str(entry["text"]))
    return found


def for_language(language: str) -> list[Canned]:
    """The responses in ``language`` (English for a language the bot does not speak)."""
    return list(catalog().get(language, catalog()["en"]).values())
