"""Entities in a customer's message: amounts, cards, phones, IBANs, dates, billers, people.

``extract`` runs every rule over the text, lets the most checkable reading win where two
claim the same characters (see candidates.py), and returns entities whose
``text[start:end]`` is exactly what the customer typed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from nlu.entities import (
    amounts,
    cards,
    dates,
    ibans,
    number_words,
    persons,
    phones,
)
from nlu.entities import billers as biller_rule
from nlu.entities.billers import Biller
from nlu.entities.candidates import Candidate, entities, resolve
from nlu.entities.folding import fold
from nlu.result import Entity

__all__ = ["LANGUAGES", "MAX_CHARS", "Biller", "extract"]

log = logging.getLogger(__name__)

LANGUAGES = ("en", "cs", "ru", "uk")
# Chat messages are short; a pasted wall of text is read only this far, so one message
# cannot keep the worker busy.
MAX_CHARS = 2000


def extract(
    text: str,
    language: str,
    *,
    today: date | None = None,
    billers: Sequence[Biller] = (),
) -> list[Entity]:
    """Every entity found in ``text``, sorted by start, none overlapping another.

    ``language`` is one of LANGUAGES (anything else is read as English); ``today`` anchors
    relative dates ("yesterday", "in May") and defaults to the local date; ``billers`` are
    the companies whose names to look for. Never raises on any input.
    """
    lang = _language(language)
    day = today if today is not None else datetime.now(UTC).astimezone().date()
    window = _window(text)
    folded = fold(window)
    rules: list[tuple[str, Callable[[], list[Candidate]]]] = [
        ("iban", lambda: ibans.find(folded, window)),
        ("card_number", lambda: cards.find(folded)),
        ("phone", lambda: phones.find(window, lang)),
        ("date", lambda: dates.find(folded, lang, day)),
        ("amount", lambda: amounts.find(folded, lang)),
        ("amount in words", lambda: number_words.find(folded, lang)),
        ("biller", lambda: biller_rule.find(window, folded, lang, billers)),
    ]
    found = [candidate for name, rule in rules for candidate in _safely(name, rule)]
    chosen = resolve(found)
    # People come last: a name is recognized by what surrounds it, such as an amount.
    people = _safely("person", lambda: persons.find(window, folded, lang, chosen))
    return entities(resolve(chosen + people))


def _language(language: str) -> str:
    code = language.strip().lower()[:2] if isinstance(language, str) else ""
    return code if code in LANGUAGES else "en"


def _window(text: str) -> str:
    """The start of a long text, cut at a space so no number is cut in two."""
    if len(text) <= MAX_CHARS:
        return text
    cut = text.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
    return text[: cut if cut > 0 else MAX_CHARS]


def _safely(rule: str, find: Callable[[], list[Candidate]]) -> list[Candidate]:
    try:
        return find()
    except Exception:
        # A bug in one rule must cost its entities, not the customer's whole message.
        log.exception("entity rule %s failed", rule)
        return []
