"""What flows do with an understanding: act, offer candidates, then offer a person."""

from __future__ import annotations

from nlu.policy import Step, decide
from nlu.result import Intent, ParseResult


def result(*ranking: tuple[str, float]) -> ParseResult:
    intents = tuple(Intent(name, confidence) for name, confidence in ranking)
    return ParseResult("text", intents[0], intents)


def test_a_confident_intent_is_acted_on_and_resets_the_misses() -> None:
    decision = decide(result(("balance", 0.91), ("statement", 0.05)), misses=1)
    assert (decision.step, decision.intent, decision.misses) == (Step.ACT, "balance", 0)


def test_a_first_miss_offers_the_top_candidates_as_buttons() -> None:
    unsure = result(("transfer", 0.31), ("top_up", 0.30), ("exchange", 0.2), ("help", 0.1))
    decision = decide(unsure)
    assert decision.step is Step.CLARIFY
    assert decision.candidates == ("transfer", "top_up", "exchange")
    assert decision.misses == 1


def test_a_second_miss_in_a_row_offers_a_person() -> None:
    decision = decide(result(("nlu_fallback", 0.0)), misses=1)
    assert decision.step is Step.OFFER_PERSON
    assert decision.candidates == ()
    assert decision.misses == 2


def test_the_threshold_is_a_setting() -> None:
    assert decide(result(("balance", 0.6)), threshold=0.7).step is Step.CLARIFY
