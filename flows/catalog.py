"""Customer-facing text: one catalog per language, never text in flows or code.

``flows/texts/<lang>/*.yaml`` hold nested maps (one file per area, so that areas are
edited independently) whose leaves are templates with ``{name}``
placeholders; a key is the dotted path (``transfer.ask_amount``). ``teller flows check``
proves every key exists in every language with the same placeholders, so at run time a
missing key or value is a bug that is logged, not shown.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flows import yamlio

log = logging.getLogger(__name__)

TEXTS = Path(__file__).with_name("texts")
LANGUAGES = ("en", "cs", "ru", "uk")
DEFAULT_LANGUAGE = "en"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        log.error("a message placeholder has no value", extra={"placeholder": key})
        return ""


class Catalog:
    """The texts from the files, and over them the overrides marketers published in the
    back office (checked with :mod:`flows.text_overrides` before they get here)."""

    def __init__(self, texts: Mapping[str, Mapping[str, str]]) -> None:
        self._texts = {lang: dict(entries) for lang, entries in texts.items()}
        self._overrides: dict[str, dict[str, str]] = {}

    @classmethod
    def load(cls, folder: Path = TEXTS) -> Catalog:
        texts: dict[str, dict[str, str]] = {}
        for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            entries = texts.setdefault(lang_dir.name, {})
            for path in sorted(lang_dir.glob("*.yaml")):
                data = yamlio.load_file(path) or {}
                for key, value in flatten(data):
                    if key in entries:
                        raise ValueError(f"{path}: message key {key!r} is defined twice")
                    entries[key] = value
        return cls(texts)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGUAGES if lang in self._texts)

    def keys(self, language: str) -> set[str]:
        return set(self._texts.get(language, {}))

    def template(self, language: str, key: str) -> str | None:
        found = self._overrides.get(language, {}).get(key)
        return found if found is not None else self._texts.get(language, {}).get(key)

    def original(self, language: str, key: str) -> str | None:
        """The text from the files, whatever was published over it."""
        return self._texts.get(language, {}).get(key)

    def set_overrides(self, overrides: Mapping[str, Mapping[str, str]]) -> None:
        """Replace every override: language → key → text."""
        self._overrides = {lang: dict(entries) for lang, entries in overrides.items()}

    def override(self, language: str, key: str, text: str | None) -> None:
        """Publish one override (None withdraws it): used from the next message on."""
        entries = self._overrides.setdefault(language, {})
        if text is None:
            entries.pop(key, None)
        else:
            entries[key] = text

    def has(self, key: str) -> bool:
        return key in self._texts.get(DEFAULT_LANGUAGE, {})

    def text(self, language: str, key: str, **values: Any) -> str:
        """The message ``key`` in ``language`` (English when that language lacks it)."""
        template = self.template(language, key) or self.template(DEFAULT_LANGUAGE, key)
        if template is None:
            log.error("an unknown message key", extra={"key": key})
            return key
        return template.format_map(_Blank(values))


def placeholders(template: str) -> set[str]:
    """The names a template fills in: ``"{amount} to {name}"`` → ``{"amount", "name"}``."""
    names: set[str] = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field:
            names.add(field.split(".")[0].split("[")[0])
    return names


def flatten(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.extend(flatten(value, path + "."))
        else:
            out.append((path, str(value)))
    return out
