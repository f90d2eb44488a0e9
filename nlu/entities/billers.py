"""Billers named in the text, matched fuzzily: "vodafon", "ČEZu", "Київстару", "british gass"."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from rapidfuzz import fuzz

from nlu.entities.candidates import FUZZY, Candidate, Rank
from nlu.entities.folding import fold
from nlu.result import Entity

# Hyphens split words, so "T-Mobile" and "T Mobile" read the same.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_MAX_WORDS = 400
# Names this short match only exactly, or with a case ending ("ČEZu", "МТСу").
_SHORT = 4
_ENDINGS = frozenset(
    ("u", "a", "e", "y", "em", "ovi", "ou", "i", "у", "а", "і", "ом", "ові", "ем", "е", "ю")
)
# Short names that are also everyday words match only when typed in capitals
# ("ЯСНО" the utility, not "ясно" = "I see"; "PRE" the utility, not Slovak "pre").
# Right after a verb of paying, though, the word can only be the company ("pay ee £20").
_EVERYDAY = frozenset(("ясно", "так", "pre", "ee"))
_PAY_BEFORE = re.compile(
    r"(?:^|[^\w])(?:pay|top up|zaplat\w*|dobi\w*|оплат\w*|пополн\w*|поповн\w*)\s+$"
)


@dataclass(frozen=True, slots=True)
class Biller:
    """A company customers pay bills to, and the names they call it by.

    ``names`` are used in every language; ``aliases`` add names per language code
    ("uk": ("Київстар",)).
    """

    id: str
    names: tuple[str, ...]
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    def names_for(self, language: str) -> tuple[str, ...]:
        return (*self.names, *self.aliases.get(language, ()))


def find(text: str, folded: str, language: str, billers: Sequence[Biller]) -> list[Candidate]:
    """The best-scoring biller name at each place in the text."""
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(folded)][:_MAX_WORDS]
    scored: list[tuple[float, int, int, str]] = []
    for biller in billers:
        for name in biller.names_for(language):
            key = _WORD.findall(fold(name))
            if key:
                scored.extend(_matches(text, folded, words, name, key, biller.id))
            if len(key) > 1:  # "thameswater", "britishgas"
                scored.extend(_matches(text, folded, words, name, ["".join(key)], biller.id))
    scored.sort(key=lambda s: (-s[0], s[1], s[1] - s[2]))
    found: list[Candidate] = []
    for score, start, end, biller_id in scored:
        if all(end <= c.start or start >= c.end for c in found):
            entity = Entity("biller", biller_id, start, end, FUZZY, confidence=score / 100)
            found.append(Candidate(entity, Rank.BILLER))
    return found


def _matches(
    text: str,
    folded: str,
    words: list[tuple[int, int, str]],
    name: str,
    key: list[str],
    biller_id: str,
) -> list[tuple[float, int, int, str]]:
    size = len(key)
    wanted = " ".join(key)
    out: list[tuple[float, int, int, str]] = []
    for i in range(len(words) - size + 1):
        window = words[i : i + size]
        if not _together(text, window):
            continue
        typed = text[window[0][0] : window[-1][1]]
        paid = _PAY_BEFORE.search(folded[max(0, window[0][0] - 20) : window[0][0]]) is not None
        score = _score(" ".join(w[2] for w in window), wanted, typed, name, paid)
        if score:
            out.append((score, window[0][0], window[-1][1], biller_id))
    return out


def _together(text: str, window: list[tuple[int, int, str]]) -> bool:
    """Whether the words of a window are separated only by a space or a hyphen."""
    return all(text[a[1] : b[0]] in (" ", "-", " - ") for a, b in pairwise(window))


def _score(seen: str, wanted: str, typed: str, name: str, paid: bool) -> float:
    if len(wanted) <= _SHORT:
        return _short_score(seen, wanted, typed, name, paid)
    if seen[0] != wanted[0]:
        return 0.0  # typos rarely hit the first letter; common words often differ there
    cutoff = 81.0 if len(wanted) >= 7 else 85.0
    return float(fuzz.ratio(seen, wanted, score_cutoff=cutoff))


def _short_score(seen: str, wanted: str, typed: str, name: str, paid: bool) -> float:
    if seen in _EVERYDAY and name.isupper() and not typed.isupper() and not paid:
        return 0.0
    if seen == wanted:
        return 100.0
    if seen.startswith(wanted) and seen[len(wanted) :] in _ENDINGS:
        return 95.0
    return 0.0
