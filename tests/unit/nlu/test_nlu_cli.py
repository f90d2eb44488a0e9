"""``teller nlu``: train, parse (one message or JSON lines), eval's summary line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from teller.cli import main
from tests.unit.nlu.small_data import write_small_data

SUMMARY = re.compile(
    r"^accuracy=(\d\.\d{4}) macro_f1=(\d\.\d{4}) p50_ms=(\d+\.\d\d) p99_ms=(\d+\.\d\d) n=(\d+)$"
)


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> tuple[CliRunner, Path]:
    root = write_small_data(tmp_path_factory.mktemp("data"))
    model = tmp_path_factory.mktemp("model")
    runner = CliRunner(env={"TELLER_NLU_MODEL_DIR": str(model), "TELLER_NLU_ENGINE": "embedded"})
    result = runner.invoke(main, ["nlu", "train", "--data", str(root)])
    assert result.exit_code == 0, result.output
    assert "trained on 96 examples of 4 intents" in result.output
    return runner, root


def test_parse_prints_the_intent_and_entities(cli: tuple[CliRunner, Path]) -> None:
    runner, _ = cli
    result = runner.invoke(main, ["nlu", "parse", "send 50 EUR to a friend"])
    assert result.exit_code == 0, result.output
    first, *entities = result.output.splitlines()
    assert first.startswith("transfer ")
    assert "  amount='50'" in entities


def test_parse_json_is_rasas_shape(cli: tuple[CliRunner, Path]) -> None:
    runner, _ = cli
    result = runner.invoke(main, ["nlu", "parse", "--json", "--language", "uk", "мій баланс"])
    parsed = json.loads(result.output)
    assert parsed["intent"]["name"] == "balance"
    assert parsed["language"] == "uk"
    assert {"text", "intent_ranking", "entities"} <= set(parsed)


def test_batch_mode_answers_one_line_per_line(cli: tuple[CliRunner, Path]) -> None:
    runner, _ = cli
    lines = '{"text": "hello"}\n\nnot json\n{"text": "zamkni kartu", "language": "cs"}\n'
    result = runner.invoke(main, ["nlu", "parse"], input=lines)
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.output.splitlines()]
    assert answers[0]["intent"]["name"] == "greet"
    assert "error" in answers[1]
    assert answers[2]["intent"]["name"] == "card_lock"
    assert len(answers) == 3


def test_eval_prints_per_intent_scores_then_the_summary(
    cli: tuple[CliRunner, Path], tmp_path: Path
) -> None:
    runner, _ = cli
    data = tmp_path / "held_out.csv"
    data.write_text("text,category\nhow much do i have,balance\nlock my card,card_lock\n")
    result = runner.invoke(main, ["nlu", "eval", "--data", str(data)])
    assert result.exit_code == 0, result.output
    *intents, last = result.output.strip().splitlines()
    assert [line.split()[0] for line in intents] == ["balance", "card_lock"]
    match = SUMMARY.match(last)
    assert match is not None, last
    assert match.group(5) == "2"


def test_eval_with_folds_cross_validates_on_the_file(
    cli: tuple[CliRunner, Path], tmp_path: Path
) -> None:
    from tests.unit.nlu.small_data import EXAMPLES

    runner, _ = cli
    rows = [f"{t},{i}" for i, texts in EXAMPLES["en"].items() for t in texts]
    data = tmp_path / "small.csv"
    data.write_text("text,category\n" + "\n".join(rows) + "\n")
    result = runner.invoke(main, ["nlu", "eval", "--data", str(data), "--folds", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "2-fold stratified CV" in lines[-2]
    match = SUMMARY.match(lines[-1])
    assert match is not None, lines[-1]
    assert match.group(5) == "24"
    assert float(match.group(1)) > 0.5
