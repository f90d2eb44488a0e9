"""``teller flows check`` finds what would hurt a customer before anyone sees it, and
``teller flows diagram`` draws a flow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flows.catalog import TEXTS
from flows.check import check
from flows.definition import DEFINITIONS, DefinitionError, load_all, parse
from flows.diagram import mermaid


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    definitions, texts = tmp_path / "definitions", tmp_path / "texts"
    shutil.copytree(DEFINITIONS, definitions)
    shutil.copytree(TEXTS, texts)
    return definitions, texts


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_flows_and_texts_are_sound() -> None:
    assert check() == []


def test_an_unknown_action_and_a_step_nobody_reaches(tree: tuple[Path, Path]) -> None:
    definitions, texts = tree
    _edit(definitions / "balance.yaml", "call: show_balances", "call: show_balance")
    _edit(
        definitions / "balance.yaml",
        "  none:\n",
        "  orphan:\n    say: balance.no_accounts\n  none:\n",
    )
    problems = check(definitions, texts)
    assert any("unknown action 'show_balance'" in p for p in problems)
    assert any("step orphan cannot be reached" in p for p in problems)


def test_a_missing_translation_and_a_different_placeholder(tree: tuple[Path, Path]) -> None:
    definitions, texts = tree
    _edit(texts / "uk" / "transfer.yaml", "{amount}", "{сума}")
    _edit(texts / "cs" / "accounts.yaml", "  no_accounts:", "  no_accounts_gone:")
    problems = check(definitions, texts)
    assert any("texts/uk: 'transfer.confirm' has placeholders" in p for p in problems)
    assert any("texts/cs: missing 'balance.no_accounts'" in p for p in problems)


def test_a_message_whose_placeholder_has_no_value(tree: tuple[Path, Path]) -> None:
    definitions, texts = tree
    _edit(
        definitions / "transfer.yaml",
        "vars: {amount: $shown.amount, to: $shown.to}",
        "vars: {to: $shown.to}",
    )
    problems = check(definitions, texts)
    assert any("message 'transfer.done' needs ['amount']" in p for p in problems)


def test_a_step_to_nowhere_and_unknown_fields_are_refused() -> None:
    with pytest.raises(DefinitionError) as refused:
        parse({"flow": "x", "steps": {"a": {"say": "k", "nxt": "b"}}}, "x.yaml")
    assert "unknown fields ['nxt']" in refused.value.problems[0]
    flow = parse({"flow": "x", "steps": {"a": {"say": "common.yes", "next": "b"}}}, "x.yaml")
    assert flow.start == "a"


def test_yaml_words_stay_words(tree: tuple[Path, Path]) -> None:
    definitions, _ = tree
    flows = load_all(definitions)
    step = flows["transfer"].steps["preview"]
    assert "INVALID_CARD_NUMBER" in step.on  # "on:" is a key, not True


def test_a_flow_as_a_mermaid_diagram() -> None:
    drawing = mermaid(load_all()["transfer"])
    assert drawing.startswith("flowchart TD\n")
    assert "s_preview -->|INVALID_CARD_NUMBER| s_bad_card" in drawing
    assert "s_send -->|review| s_in_review" in drawing
