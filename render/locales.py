"""The four languages Teller speaks, and the labels pictures carry in each.

Labels live in ``labels/<language>.toml``; code never holds customer-facing words.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

LANGUAGES = ("en", "cs", "ru", "uk")
FALLBACK = "en"


def resolve(locale: str | None) -> str:
    """The language to draw in: ``cs``, ``cs_CZ`` and ``cs-CZ`` are Czech; anything we do
    not speak falls back to English."""
    if not locale:
        return FALLBACK
    language = locale.replace("-", "_").split("_", 1)[0].lower()
    return language if language in LANGUAGES else FALLBACK


@cache
def _catalog(language: str) -> dict[str, str]:
    text = (resources.files("render") / "labels" / f"{language}.toml").read_text("utf-8")
    return {str(k): str(v) for k, v in tomllib.loads(text).items()}


def label(language: str, key: str, **values: object) -> str:
    """The label ``key`` in ``language`` with ``values`` filled in; English when the
    language lacks it (``teller`` tests prove no language does)."""
    template = _catalog(resolve(language)).get(key) or _catalog(FALLBACK)[key]
    return template.format(**values)


def keys(language: str) -> frozenset[str]:
    """Every label ``language`` defines (for the tests that compare catalogs)."""
    return frozenset(_catalog(language))
