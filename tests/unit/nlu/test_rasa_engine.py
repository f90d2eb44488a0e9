"""The Rasa backend: intents from the server's /model/parse, entities from our extractor,
and a clear error when the server is away."""

from __future__ import annotations

import json

import httpx
import pytest

from nlu.errors import NluUnavailable
from nlu.rasa import RasaEngine

RASA_ANSWER = {
    "text": "send 50 EUR to card 4111 1111 1111 1111",
    "intent": {"name": "transfer", "confidence": 0.93},
    "intent_ranking": [
        {"name": "transfer", "confidence": 0.93},
        {"name": "top_up", "confidence": 0.04},
    ],
    "entities": [],
}


def engine(handler: httpx.MockTransport, token: str | None = None) -> RasaEngine:
    client = httpx.AsyncClient(transport=handler, base_url="http://rasa:5005")
    return RasaEngine("http://rasa:5005", token=token, client=client)


async def test_the_servers_intent_and_our_entities_make_the_result() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=RASA_ANSWER)

    rasa = engine(httpx.MockTransport(answer), token="s3cret")
    result = await rasa.parse("send 50 EUR to card 4111 1111 1111 1111", "en")
    await rasa.close()
    [request] = seen
    assert request.url.path == "/model/parse"
    assert request.url.params["token"] == "s3cret"
    assert json.loads(request.content) == {"text": "send 50 EUR to card 4111 1111 1111 1111"}
    assert (result.intent.name, result.intent.confidence) == ("transfer", 0.93)
    assert [i.name for i in result.intent_ranking] == ["transfer", "top_up"]
    kinds = {e.entity: e for e in result.entities}
    assert kinds["amount"].minor == 5000
    assert kinds["card_number"].value == "4111111111111111"


async def test_a_message_without_words_never_reaches_the_server() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no call expected")

    rasa = engine(httpx.MockTransport(refuse))
    result = await rasa.parse("🙂🙂", "uk")
    assert (result.intent.name, result.intent.confidence) == ("nlu_fallback", 0.0)


@pytest.mark.parametrize(
    "answer",
    [
        lambda request: httpx.Response(503),
        lambda request: httpx.Response(200, content=b"not json"),
        lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused")),
    ],
)
async def test_a_server_that_does_not_answer_is_a_clear_error(answer) -> None:  # type: ignore[no-untyped-def]
    rasa = engine(httpx.MockTransport(answer))
    with pytest.raises(NluUnavailable):
        await rasa.parse("what is my balance", "en")
