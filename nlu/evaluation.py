"""Scoring intent predictions: per-intent precision and recall, accuracy, macro-F1 and
latency, and the summary line ``teller nlu eval`` ends with."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Scores:
    accuracy: float
    macro_f1: float
    per_intent: tuple[IntentScore, ...]
    latencies: tuple[float, ...]  # seconds per message
    n: int

    def lines(self) -> list[str]:
        """One line per intent, then the summary line."""
        out = [
            f"{s.intent} precision={s.precision:.3f} recall={s.recall:.3f} "
            f"f1={s.f1:.3f} support={s.support}"
            for s in self.per_intent
        ]
        out.append(self.summary())
        return out

    def summary(self) -> str:
        return (
            f"accuracy={self.accuracy:.4f} macro_f1={self.macro_f1:.4f} "
            f"p50_ms={percentile(self.latencies, 0.5) * 1000:.2f} "
            f"p99_ms={percentile(self.latencies, 0.99) * 1000:.2f} n={self.n}"
        )


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no samples."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def score(
    gold: Sequence[str], predicted: Sequence[str], latencies: Sequence[float] = ()
) -> Scores:
    """Scores of ``predicted`` against ``gold`` (macro-F1 over the gold intents)."""
    if len(gold) != len(predicted):
        raise ValueError("as many predictions as gold labels")
    hits: Counter[str] = Counter()
    said: Counter[str] = Counter(predicted)
    truth: Counter[str] = Counter(gold)
    for expected, got in zip(gold, predicted, strict=True):
        if expected == got:
            hits[expected] += 1
    per_intent = []
    for intent in sorted(truth):
        precision = hits[intent] / said[intent] if said[intent] else 0.0
        recall = hits[intent] / truth[intent]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_intent.append(IntentScore(intent, precision, recall, f1, truth[intent]))
    accuracy = sum(hits.values()) / len(gold) if gold else 0.0
    macro = sum(s.f1 for s in per_intent) / len(per_intent) if per_intent else 0.0
    return Scores(accuracy, macro, tuple(per_intent), tuple(latencies), len(gold))
