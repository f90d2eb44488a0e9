"""Payment card numbers: 13 to 19 digits, optionally grouped, that pass the Luhn check."""

from __future__ import annotations

import re

from nlu.entities.candidates import RULES, Candidate, Rank, blocked
from nlu.result import Entity

MIN_DIGITS = 13
MAX_DIGITS = 19
# A run of digit groups joined by one space or dash. Bounded so a wall of digits costs
# linear time: no group is longer than a card, no run has more groups than two cards.
_RUN = re.compile(r"(?<![\w+])[0-9]{1,19}(?:[ \-][0-9]{1,19}){0,11}(?![\w])")
_GROUP = re.compile(r"[0-9]+")


def luhn_valid(digits: str) -> bool:
    """The ISO/IEC 7812 check digit test."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find(folded: str) -> list[Candidate]:
    """Valid card numbers, and card-like runs that fail the check (as blocked spans)."""
    found: list[Candidate] = []
    for run in _RUN.finditer(folded):
        found.extend(_in_run(run.group(), run.start()))
    return found


def _in_run(run: str, offset: int) -> list[Candidate]:
    groups = [(m.start() + offset, m.end() + offset, m.group()) for m in _GROUP.finditer(run)]
    best = _best_card(groups, run, offset)
    if best is not None:
        return [best]
    digits = sum(len(g[2]) for g in groups)
    if digits >= MIN_DIGITS and not run.startswith("0") and _looks_like_card(groups):
        # Typed like a card but not one: a typo in a card number must not turn into an
        # amount or a phone number the customer never meant.
        return [blocked(groups[0][0], groups[-1][1], Rank.CARD)]
    return []


def _best_card(groups: list[tuple[int, int, str]], run: str, offset: int) -> Candidate | None:
    """The longest consecutive groups that form a valid card number.

    No card number starts with 0 (ISO/IEC 7812 major industry identifiers are 1-9); digits
    that do are a phone number dialled with 00 or an account number.
    """
    best: tuple[int, int] | None = None
    for first in range(len(groups)):
        digits = ""
        for last in range(first, len(groups)):
            digits += groups[last][2]
            if len(digits) > MAX_DIGITS:
                break
            separators = {run[g[1] - offset] for g in groups[first:last]}
            if len(separators) > 1:
                break
            if len(digits) >= MIN_DIGITS and digits[0] != "0" and luhn_valid(digits):
                span = (groups[first][0], groups[last][1])
                if best is None or span[1] - span[0] > best[1] - best[0]:
                    best = span
    if best is None:
        return None
    start, end = best
    digits = "".join(g[2] for g in groups if start <= g[0] < end)
    return Candidate(Entity("card_number", digits, start, end, RULES), Rank.CARD)


def _looks_like_card(groups: list[tuple[int, int, str]]) -> bool:
    """One unbroken run of card length, or groups of four (the way cards are printed)."""
    if len(groups) == 1:
        return len(groups[0][2]) <= MAX_DIGITS
    return sum(len(g[2]) == 4 for g in groups) >= 3
