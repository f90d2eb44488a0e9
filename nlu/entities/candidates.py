"""Candidates from every rule, and the choice between those that claim the same characters.

Each rule proposes spans on its own; a card number is also a run of digits an amount rule
would take, and an IBAN holds digits a phone rule would take. The most checkable reading
wins: a checksum beats a pattern, a pattern with a currency beats a bare number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from nlu.result import Entity

RULES = "teller.rules"
FUZZY = "teller.fuzzy"
# Not an entity: characters that look like a card number or IBAN but fail its checksum.
# They are kept as a candidate so nothing else (an amount, a phone) is read out of them.
BLOCKED = "_blocked"


class Rank(IntEnum):
    """Lower wins an overlap."""

    IBAN = 0
    CARD = 1
    INTERNATIONAL_PHONE = 2
    DATE = 3
    AMOUNT_WITH_CURRENCY = 4
    PHONE = 5
    AMOUNT = 6
    BILLER = 7
    PERSON = 8


@dataclass(frozen=True, slots=True)
class Candidate:
    entity: Entity
    rank: Rank

    @property
    def start(self) -> int:
        return self.entity.start

    @property
    def end(self) -> int:
        return self.entity.end


def blocked(start: int, end: int, rank: Rank) -> Candidate:
    """A span no other rule may use, though it yields no entity."""
    return Candidate(Entity(BLOCKED, "", start, end, RULES), rank)


def resolve(candidates: list[Candidate]) -> list[Candidate]:
    """Keep the best candidates that do not overlap, in text order.

    Better means a lower rank, then a longer span, then an earlier start.
    """
    ordered = sorted(candidates, key=lambda c: (c.rank, c.start - c.end, c.start))
    taken: list[Candidate] = []
    for candidate in ordered:
        if candidate.end <= candidate.start:
            continue
        if all(candidate.end <= t.start or candidate.start >= t.end for t in taken):
            taken.append(candidate)
    return sorted(taken, key=lambda c: (c.start, c.end))


def entities(candidates: list[Candidate]) -> list[Entity]:
    """The entities among resolved candidates, without the blocked spans."""
    return [c.entity for c in candidates if c.entity.entity != BLOCKED]
