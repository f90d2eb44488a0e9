"""The back office's words in the bot's four languages. Each area keeps its own file per
language (``texts/<language>/<area>.yaml``, flat keys ``<area>.<name>``); every key exists
in every language (a test checks), so a page never falls back to English silently."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from backoffice.sessions import LANGUAGES

FOLDER = Path(__file__).with_name("texts")


@cache
def catalog(language: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted((FOLDER / language).glob("*.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in loaded.items():
            texts[str(key)] = str(value)
    return texts


def text(language: str, key: str, **values: object) -> str:
    """The text for ``key``; an unknown key shows itself (and fails the catalog test)."""
    found = catalog(language if language in LANGUAGES else "en").get(key)
    if found is None:
        found = catalog("en").get(key, key)
    return found.format(**values) if values else found
