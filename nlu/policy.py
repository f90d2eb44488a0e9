"""What flows do with an understanding: act on it, ask, or offer a person.

Below the confidence threshold the customer is offered the top candidates as buttons; a
second miss in a row offers a person as well (the issue's "after two misses").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nlu.intents import FALLBACK
from nlu.result import ParseResult

THRESHOLD = 0.5
CANDIDATES = 3


class Step(StrEnum):
    ACT = "act"  # the intent is clear enough: run its flow
    CLARIFY = "clarify"  # offer the candidates as buttons
    OFFER_PERSON = "offer_person"  # offer the candidates and a person


@dataclass(frozen=True, slots=True)
class Decision:
    step: Step
    intent: str | None
    candidates: tuple[str, ...]
    misses: int  # consecutive misses including this message; flows keep it


def decide(
    result: ParseResult,
    misses: int = 0,
    *,
    threshold: float = THRESHOLD,
    candidates: int = CANDIDATES,
) -> Decision:
    """The next step for ``result`` after ``misses`` consecutive misses."""
    if result.intent.name != FALLBACK and result.intent.confidence >= threshold:
        return Decision(Step.ACT, result.intent.name, (), 0)
    shown = tuple(i.name for i in result.intent_ranking if i.name != FALLBACK)[:candidates]
    missed = misses + 1
    step = Step.OFFER_PERSON if missed >= 2 else Step.CLARIFY
    return Decision(step, None, shown, missed)
