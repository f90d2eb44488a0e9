"""Webhooks go past the application's middleware straight to their handlers, and still get
what that middleware gave them: a correlation id, metrics, a body limit and a problem
answer when the handler fails; every other request takes the usual way."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from bots.channel import Received
from teller.app import create_app
from teller.settings import Settings

SECRET = "fast-path-secret"
URL = "/webhooks/telegram"


def _update(n: int, text: str = "hello") -> bytes:
    message = {
        "message_id": n,
        "date": 1700000000,
        "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "is_bot": False, "first_name": "A"},
        "text": text,
    }
    return json.dumps({"update_id": n, "message": message}).encode()


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        nlu_engine="off",
        telegram_bot_token="123:TOKEN",  # type: ignore[arg-type]
        telegram_webhook_secret=SECRET,  # type: ignore[arg-type]
        max_body_bytes=64 * 1024,
    )
    app = create_app(settings, run_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://teller") as client:
            yield app, client


def _headers(**extra: str) -> dict[str, str]:
    return {"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json", **extra}


async def _queued(app: FastAPI) -> int:
    return int(await app.state.channels.queue.size())


async def test_a_webhook_gets_a_correlation_id_and_is_counted(
    running: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = running
    response = await client.post(URL, content=_update(1), headers=_headers())
    assert response.status_code == 200
    assert len(response.headers["x-request-id"]) == 32
    given = await client.post(
        URL, content=_update(2), headers=_headers(**{"X-Request-ID": "abc-1"})
    )
    assert given.headers["x-request-id"] == "abc-1"
    assert await _queued(app) == 2
    counted = app.state.metrics.requests.labels("POST", URL, "200")._value.get()
    assert counted == 2


async def test_bodies_over_the_limit_are_refused_whether_or_not_their_length_is_given(
    running: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = running
    big = _update(3, "x" * (1024 * 1024 + 10))
    response = await client.post(URL, content=big, headers=_headers())
    assert response.status_code == 413
    assert response.json()["code"] == "BODY_TOO_LARGE"

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start : start + 64 * 1024]

    chunked = await client.post(URL, content=chunks(), headers=_headers())
    assert chunked.status_code == 413
    assert chunked.headers["content-type"] == "application/problem+json"
    assert await _queued(app) == 0


async def test_a_failing_handler_answers_a_problem_and_records_nothing(
    running: tuple[FastAPI, httpx.AsyncClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = running

    async def down(received: Sequence[Received]) -> int:
        raise RuntimeError("database is down")

    monkeypatch.setattr(app.state.channels.intake, "accept", down)
    response = await client.post(URL, content=_update(4), headers=_headers())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "WEBHOOK_FAILED"
    assert "database" not in response.text
    monkeypatch.undo()
    assert await _queued(app) == 0
    assert (await client.post(URL, content=_update(4), headers=_headers())).status_code == 200
    assert await _queued(app) == 1


async def test_other_requests_take_the_applications_way(
    running: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = running
    health = await client.get("/healthz")
    assert health.status_code == 200
    assert "x-request-id" in health.headers
    unknown = await client.post("/webhooks/nowhere", content=b"{}")
    assert unknown.status_code == 404
    wrong_method = await client.get(URL)
    assert wrong_method.status_code == 405
