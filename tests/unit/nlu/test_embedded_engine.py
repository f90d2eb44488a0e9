"""The embedded engine: trained here, cached on disk, parsing off the event loop, and
answering any input quickly with a result, never an exception."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from nlu.embedded import EmbeddedEngine, is_current, train, trained_from
from nlu.errors import ModelMissing
from nlu.training_data import DATA
from tests.unit.nlu.small_data import write_small_data


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = write_small_data(tmp_path_factory.mktemp("data"))
    model = tmp_path_factory.mktemp("model")
    report = train(model, root)
    assert (report.intents, report.examples) == (4, 96)
    return root, model


@pytest.fixture(scope="module")
def engine(trained: tuple[Path, Path]) -> EmbeddedEngine:
    return EmbeddedEngine.load(trained[1])


@pytest.mark.parametrize(
    ("text", "prior", "intent", "language"),
    [
        ("what's my balance?", "en", "balance", "en"),
        ("kolik mám na účtu?", "cs", "balance", "cs"),
        ("переведи деньги другу", "ru", "transfer", "ru"),
        ("заблокуй мою картку", "en", "card_lock", "uk"),  # Ukrainian despite the prior
    ],
)
def test_it_understands_each_language(
    engine: EmbeddedEngine, text: str, prior: str, intent: str, language: str
) -> None:
    result = engine.parse_now(text, prior)
    assert (result.intent.name, result.language) == (intent, language)
    assert result.intent_ranking[0] == result.intent
    assert sum(i.confidence for i in result.intent_ranking) <= 1.0001


def test_entities_come_with_the_intent(engine: EmbeddedEngine) -> None:
    text = "transfer 50 EUR to card 4111 1111 1111 1111"
    result = engine.parse_now(text, "en")
    found = {e.entity: e for e in result.entities}
    assert found["amount"].minor == 5000
    card = found["card_number"]
    assert text[card.start : card.end] == "4111 1111 1111 1111"
    shape = result.as_dict()
    assert set(shape) >= {"text", "intent", "intent_ranking", "entities"}
    assert set(shape["intent"]) == {"name", "confidence"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "x" * 10_000,
        "balance " * 1_500,
        "баланс balance zůstatek баланс",
        "\x00\x01\x02 balance \x1b[31m",
        os.urandom(2_000).decode("utf-8", errors="replace"),
    ],
)
def test_bad_input_gets_a_quick_answer_never_an_exception(
    engine: EmbeddedEngine, text: str
) -> None:
    started = time.perf_counter()
    result = engine.parse_now(text, "en")
    assert time.perf_counter() - started < 1.0
    assert 0.0 <= result.intent.confidence <= 1.0
    assert result.text == text


def test_nothing_to_read_is_the_fallback_with_no_confidence(engine: EmbeddedEngine) -> None:
    result = engine.parse_now("🙂 👍", "cs")
    assert (result.intent.name, result.intent.confidence, result.language) == (
        "nlu_fallback",
        0.0,
        "cs",
    )


async def test_parsing_runs_off_the_event_loop(engine: EmbeddedEngine) -> None:
    seen: list[int] = []
    original = engine.parse_now

    def spy(text: str, language: str | None = None) -> object:
        seen.append(threading.get_ident())
        return original(text, language)

    engine.parse_now = spy  # type: ignore[method-assign, assignment]
    try:
        assert (await engine.parse("hello", "en")).intent.name == "greet"
    finally:
        del engine.parse_now
    assert seen
    assert threading.get_ident() not in seen


def test_the_model_is_cached_and_retrained_when_the_data_changes(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    root, model = trained
    assert is_current(model, root)
    stamp = (model / "fingerprint").stat().st_mtime_ns
    EmbeddedEngine.open(model)  # current: loaded, not retrained
    assert (model / "fingerprint").stat().st_mtime_ns == stamp
    copy = write_small_data(tmp_path / "data")
    with (copy / "en" / "commands.yml").open("a") as extra:
        extra.write("  - intent: greet\n    examples: |\n      - howdy\n")
    fresh = tmp_path / "model"
    reopened = EmbeddedEngine.open(fresh, copy)
    assert is_current(fresh, copy)
    assert not is_current(fresh, root)
    assert reopened.parse_now("howdy", "en").intent.name == "greet"


def test_loading_a_folder_without_a_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="teller nlu train"):
        EmbeddedEngine.load(tmp_path)


def test_a_model_whose_data_folder_is_gone_learns_again_from_the_project_data(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    # A cache outlives the checkout that trained it (a removed work tree, a moved
    # project): its recorded folder then holds nothing, and learning from nothing fails.
    _, model = trained
    assert trained_from(model) != DATA
    (model / "source").write_text(str(tmp_path / "removed" / "nlu" / "data"), "utf-8")
    assert trained_from(model) == DATA
    (model / "source").write_text(str(tmp_path), "utf-8")  # there, but empty
    assert trained_from(model) == DATA
