"""What understanding a message gives: Rasa's parse result, as typed values.

The shape is Rasa NLU's ``/model/parse`` answer, so either engine can stand behind flows:
``text``, ``intent {name, confidence}``, ``intent_ranking``, and ``entities`` with exact
character spans. Amount entities also carry ``currency`` and ``minor`` (the value in minor
units of that currency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Intent:
    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing found in the text: ``text[start:end]`` is exactly what the customer typed.

    ``value`` is normalized: an amount's decimal string ("1234.50"), a card number's
    digits, a phone number in E.164, an IBAN without spaces, a date or period in ISO 8601
    ("2026-03-01" or "2026-03-01/2026-03-31"), a biller's id, a person's name.
    """

    entity: str  # amount | card_number | phone | iban | date | period | biller | person
    value: str
    start: int
    end: int
    extractor: str
    currency: str | None = None  # amounts: ISO 4217, when the text names one
    minor: int | None = None  # amounts with a currency: the value in minor units
    confidence: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": self.extractor,
            "confidence_entity": self.confidence,
        }
        if self.currency is not None:
            out["currency"] = self.currency
        if self.minor is not None:
            out["minor"] = self.minor
        return out


@dataclass(frozen=True, slots=True)
class ParseResult:
    text: str
    intent: Intent
    intent_ranking: tuple[Intent, ...] = ()
    entities: tuple[Entity, ...] = ()
    language: str = "en"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Rasa's JSON shape (plus ``language``)."""
        return {
            "text": self.text,
            "intent": {"name": self.intent.name, "confidence": self.intent.confidence},
            "intent_ranking": [
                {"name": i.name, "confidence": i.confidence} for i in self.intent_ranking
            ],
            "entities": [e.as_dict() for e in self.entities],
            "language": self.language,
        }
