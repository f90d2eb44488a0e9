"""The labelled sets are well formed, and extract() scores at least 0.95 on each."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu.entities import LANGUAGES
from nlu.entities.evaluate import DATA, Score, evaluate, load, report

KINDS = {"amount", "card_number", "phone", "iban", "date", "period", "biller", "person"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_labelled_span_is_the_text_at_that_position(language: str) -> None:
    raw = yaml.safe_load((DATA / f"{language}.yml").read_text(encoding="utf-8"))
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_extraction_reaches_the_target_precision_and_recall(language: str) -> None:
    scores = evaluate(language)
    assert scores.overall.precision >= 0.95, report(scores)
    assert scores.overall.recall >= 0.95, report(scores)


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
