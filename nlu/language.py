"""Which of our four languages a message is in, with the customer's setting as the prior.

The script decides the pair (Latin: English or Czech; Cyrillic: Russian or Ukrainian);
letters only one language of the pair has decide outright (ě ř ů — Czech; і ї є ґ —
Ukrainian; ы э ъ ё — Russian); otherwise a character-trigram naive Bayes model learned
from our training data weighs the evidence against the prior. A short message ("ok",
"50") carries little evidence, so it stays in the customer's language.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

LATIN = ("en", "cs")
CYRILLIC = ("ru", "uk")
_ONLY = {
    "cs": set("ěščřžůťďňĚŠČŘŽŮŤĎŇ"),
    "uk": set("іїєґІЇЄҐ"),
    "ru": set("ыэъёЫЭЪЁ"),
}
# The prior's share for the customer's own language within a script pair.
PRIOR = 0.7
MAX_CHARS = 400  # enough evidence; keeps a 10,000-character message cheap


@dataclass(frozen=True, slots=True)
class Detected:
    language: str
    confidence: float


def _trigrams(text: str) -> Iterable[str]:
    padded = f" {' '.join(text.lower().split())} "
    return (padded[i : i + 3] for i in range(len(padded) - 2))


@dataclass
class LanguageIdentifier:
    """Trigram counts per language; ``fit`` on examples, ``detect`` one message."""

    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def fit(self, texts: Iterable[tuple[str, str]]) -> LanguageIdentifier:
        """Learn from (text, language) pairs."""
        for text, language in texts:
            self.counts.setdefault(language, Counter()).update(_trigrams(text))
        return self

    def detect(self, text: str, prior: str | None = None) -> Detected:
        letters = [c for c in text[:MAX_CHARS] if c.isalpha()]
        if not letters:
            return Detected(prior if prior in LATIN + CYRILLIC else "en", 0.0)
        cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
        pair = CYRILLIC if cyrillic * 2 > len(letters) else LATIN
        for language in pair:
            if _ONLY.get(language, set()) & set(letters):
                return Detected(language, 0.99)
        return self._weigh(text[:MAX_CHARS], pair, prior)

    def _weigh(self, text: str, pair: tuple[str, str], prior: str | None) -> Detected:
        grams = list(_trigrams(text))
        scores = {}
        for language in pair:
            share = PRIOR if prior == language else (1 - PRIOR if prior in pair else 0.5)
            counts = self.counts.get(language, Counter())
            total, vocabulary = sum(counts.values()), len(counts) + 1
            scores[language] = math.log(share) + sum(
                math.log((counts[g] + 1) / (total + vocabulary)) for g in grams
            )
        best = max(pair, key=lambda lang: scores[lang])
        other = pair[1] if best == pair[0] else pair[0]
        confidence = 1 / (1 + math.exp(max(-50.0, scores[other] - scores[best])))
        return Detected(best, round(confidence, 4))

    def save(self, path: Path) -> None:
        # Only trigrams seen twice: rare ones add size, not accuracy.
        kept = {lang: {g: n for g, n in c.items() if n > 1} for lang, c in self.counts.items()}
        path.write_text(json.dumps(kept, ensure_ascii=False, sort_keys=True), "utf-8")

    @classmethod
    def load(cls, path: Path) -> LanguageIdentifier:
        raw: dict[str, dict[str, int]] = json.loads(path.read_text("utf-8"))
        return cls({lang: Counter(grams) for lang, grams in raw.items()})
