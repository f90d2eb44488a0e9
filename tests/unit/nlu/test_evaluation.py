"""Scoring predictions: precision, recall, accuracy, macro-F1 and the summary line."""

from __future__ import annotations

import re

import pytest

from nlu.evaluation import score

SUMMARY = re.compile(
    r"^accuracy=\d\.\d{4} macro_f1=\d\.\d{4} p50_ms=\d+\.\d\d p99_ms=\d+\.\d\d n=\d+$"
)


def test_scores_count_hits_per_intent() -> None:
    gold = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "b"]
    scores = score(gold, predicted, [0.001, 0.002, 0.003, 0.004])
    assert scores.accuracy == 0.75
    a, b = scores.per_intent
    assert (a.precision, a.recall) == (1.0, 0.5)
    assert (b.precision, b.recall) == (pytest.approx(2 / 3), 1.0)
    assert scores.macro_f1 == pytest.approx((2 / 3 + 0.8) / 2)
    assert SUMMARY.match(scores.lines()[-1])
    assert scores.lines()[-1].endswith("p50_ms=2.00 p99_ms=4.00 n=4")


def test_predictions_must_match_the_gold_labels_one_to_one() -> None:
    with pytest.raises(ValueError, match="as many"):
        score(["a"], [])
