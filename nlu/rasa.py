"""The Rasa backend: intents from a Rasa server's ``POST /model/parse``.

Rasa is trained on the same ``nlu/data`` files (``docker-compose.yml``'s ``rasa``
service). Entities come from ``nlu.entities`` on both engines, so that amounts always
carry their currency and minor units and card numbers are always Luhn-checked.
"""

from __future__ import annotations

from typing import Any

import httpx

from nlu.engine import fallback
from nlu.entities import extract
from nlu.errors import NluUnavailable
from nlu.intents import LANGUAGES
from nlu.result import Intent, ParseResult
from nlu.text import clean, has_words


class RasaEngine:
    """``NluEngine`` over a Rasa server at ``base_url`` (``TELLER_RASA_URL``)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 2.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._client = client or httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._params = {"token": token} if token else {}

    async def parse(self, text: str, language: str | None = None) -> ParseResult:
        language = language if language in LANGUAGES else "en"
        entities = tuple(extract(text, language))
        cleaned = clean(text)
        if not has_words(cleaned):
            return fallback(text, language, entities, reason="no words")
        try:
            response = await self._client.post(
                "/model/parse", json={"text": cleaned}, params=self._params
            )
            response.raise_for_status()
            body: dict[str, Any] = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise NluUnavailable(f"Rasa did not answer: {type(exc).__name__}") from exc
        return ParseResult(
            text=text,
            intent=_intent(body.get("intent")),
            intent_ranking=tuple(_intent(i) for i in body.get("intent_ranking") or []),
            entities=entities,
            language=language,
        )

    async def close(self) -> None:
        await self._client.aclose()


def _intent(raw: object) -> Intent:
    if not isinstance(raw, dict) or not raw.get("name"):
        return Intent("nlu_fallback", 0.0)
    return Intent(str(raw["name"]), float(raw.get("confidence") or 0.0))
