"""Reading training data: Rasa NLU YAML and text,category CSV, and BANKING77's copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.banking77 import categories, to_rasa_yaml
from nlu.training_data import DATA, Example, TrainingDataError, plain, read_csv, read_yaml

BANKING77 = Path(__file__).resolve().parents[4] / "shared" / "data" / "banking77" / "train.csv"


def test_entity_annotations_are_reduced_to_their_text() -> None:
    assert plain('send [50 EUR](amount) to [Ivan]{"entity": "person"}') == "send 50 EUR to Ivan"


def test_yaml_and_csv_read_the_same_examples(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text('text,category\n"hi, there",greet\nbye now,bye\n')
    examples = read_csv(tmp_path / "x.csv")
    (tmp_path / "x.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: greet\n    examples: |\n      - hi, there\n'
        "  - intent: bye\n    examples: |\n      - bye now\n  - synonym: eur\n    examples: |\n"
        "      - euro\n"
    )
    assert read_yaml(tmp_path / "x.yml", "en") == examples


def test_a_csv_without_its_columns_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("sentence,label\nhi,greet\n")
    with pytest.raises(TrainingDataError):
        read_csv(tmp_path / "bad.csv")


def test_the_yaml_copy_of_banking77_is_the_csv_unchanged() -> None:
    if not BANKING77.exists():
        pytest.skip(f"{BANKING77} is not on this machine")
    from_csv = read_csv(BANKING77)
    copy = read_yaml(DATA / "en" / "support.yml", "en")
    assert sorted((e.text, e.intent) for e in copy) == sorted(
        (" ".join(e.text.split()), e.intent) for e in from_csv
    )
    assert len(categories()) == 77
    assert {e.intent for e in copy} == set(categories())


def test_only_banking77_categories_are_written_as_support() -> None:
    with pytest.raises(ValueError, match="not BANKING77"):
        to_rasa_yaml([Example("hi", "greet", "en")])
