"""The labelled sets are well formed, and extract() scores at least 0.95 on each.

Three sets per language: the main set (<lang>.yml, partly used to tune the extractor), the
blind set (<lang>_blind.yml: written before the extractor was run on it, then used for one
round of general fixes) and the holdout (<lang>_holdout.yml: written after that round,
scored once and never tuned on; its figure is the honest held-out one).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu.entities import LANGUAGES
from nlu.entities.evaluate import DATA, Score, evaluate, load, report

KINDS = {"amount", "card_number", "phone", "iban", "date", "period", "biller", "person"}
MAIN, BLIND, HOLDOUT = "", "_blind", "_holdout"
# Held-out precision and recall when the holdout was first scored (before any change made
# after it was written): en 0.972/0.958, cs 0.971/0.957, ru 0.986/0.986, uk 1.000/0.986.
# The floor guards that figure; it is not a target to tune the holdout towards.
HOLDOUT_FLOOR = 0.95


def _path(language: str, suffix: str) -> Path:
    return DATA / f"{language}{suffix}.yml"


@pytest.mark.parametrize("suffix", [MAIN, BLIND, HOLDOUT])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_labelled_span_is_the_text_at_that_position(language: str, suffix: str) -> None:
    raw = yaml.safe_load(_path(language, suffix).read_text(encoding="utf-8"))
    for example in raw["examples"]:
        for entity in example["entities"]:
            typed = example["text"][entity["start"] : entity["end"]]
            assert typed == entity["text"], example["text"]
            assert typed, example["text"]
            assert typed == typed.strip(), example["text"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_set_has_two_hundred_examples_covering_every_kind(language: str) -> None:
    labelled = load(language)
    assert len(labelled.examples) >= 200
    assert {e.entity for x in labelled.examples for e in x.entities} == KINDS
    assert sum(1 for x in labelled.examples if not x.entities) >= 30


@pytest.mark.parametrize("suffix", [BLIND, HOLDOUT])
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_blind_set_has_fifty_examples_covering_every_kind_and_some_traps(
    language: str, suffix: str
) -> None:
    labelled = load(language, _path(language, suffix))
    assert len(labelled.examples) >= 50
    assert {e.entity for x in labelled.examples for e in x.entities} == KINDS
    assert sum(1 for x in labelled.examples if not x.entities) >= len(labelled.examples) * 0.15


@pytest.mark.parametrize("suffix", [MAIN, BLIND])
@pytest.mark.parametrize("language", LANGUAGES)
def test_extraction_reaches_the_target_precision_and_recall(language: str, suffix: str) -> None:
    scores = evaluate(language, _path(language, suffix))
    assert scores.overall.precision >= 0.95, report(scores)
    assert scores.overall.recall >= 0.95, report(scores)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_untuned_holdout_stays_above_its_floor(language: str) -> None:
    # The holdout was never tuned on: a drop here is a real regression on unseen text,
    # not a reason to add the failing sentence to a rule.
    scores = evaluate(language, _path(language, HOLDOUT))
    assert scores.overall.precision >= HOLDOUT_FLOOR, report(scores)
    assert scores.overall.recall >= HOLDOUT_FLOOR, report(scores)


def test_a_found_entity_counts_only_when_span_value_and_currency_match(tmp_path: Path) -> None:
    labelled = tmp_path / "xx.yml"
    labelled.write_text(
        """
today: 2026-03-15
examples:
  - text: "send 50 EUR to card 4111 1111 1111 1111"
    entities:
      - {entity: amount, value: "50", currency: USD, minor: 5000, start: 5, end: 11}
      - {entity: card_number, value: "4111111111111111", start: 20, end: 39}
  - text: "hello"
    entities:
      - {entity: person, value: "hello", start: 0, end: 5}
""",
        encoding="utf-8",
    )
    scores = evaluate("en", labelled)
    assert scores.by_kind["card_number"] == Score(1, 0, 0)
    assert scores.by_kind["amount"] == Score(0, 1, 1)
    assert scores.by_kind["person"] == Score(0, 0, 1)
    assert scores.overall == Score(1, 1, 2)
    assert scores.overall.precision == 0.5
    assert scores.overall.recall == pytest.approx(1 / 3)
    assert len(scores.mistakes) == 2
