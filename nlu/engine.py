"""The one interface flows understand messages through, whichever engine is behind it."""

from __future__ import annotations

from typing import Protocol

from nlu.intents import FALLBACK
from nlu.result import Entity, Intent, ParseResult


class NluEngine(Protocol):
    async def parse(self, text: str, language: str | None = None) -> ParseResult:
        """Intent, ranking and entities of ``text``; ``language`` is the customer's
        setting, used as the prior for language detection. Never raises on bad input:
        it answers ``nlu_fallback`` with confidence 0."""
        ...

    async def close(self) -> None: ...


def fallback(
    text: str, language: str, entities: tuple[Entity, ...] = (), *, reason: str
) -> ParseResult:
    """The answer for a message with nothing to classify (empty, emoji, digits only)."""
    return ParseResult(
        text=text,
        intent=Intent(FALLBACK, 0.0),
        intent_ranking=(),
        entities=entities,
        language=language,
        extra={"reason": reason},
    )


class NoEngine:
    """Understands nothing: every message is ``nlu_fallback`` (``TELLER_NLU_ENGINE=off``,
    for processes that serve only the API or buttons)."""

    async def parse(self, text: str, language: str | None = None) -> ParseResult:
        return fallback(text, language or "en", reason="nlu off")

    async def close(self) -> None:
        return None
