"""``/readyz`` reports the real database and Redis."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from nlu.engine import NluEngine, NoEngine
from teller.app import create_app
from teller.nlu_loading import LoadingNlu
from teller.settings import Settings
from tests.services import REDIS_URL, require_redis


async def _readyz(settings: Settings) -> httpx.Response:
    app = create_app(settings, run_jobs=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get("/readyz")


@pytest.mark.redis
async def test_ready_when_database_and_redis_answer(tmp_path: Path) -> None:
    require_redis()
    settings = Settings(data_dir=tmp_path, redis_url=REDIS_URL, nlu_engine="off")
    response = await _readyz(settings)
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_not_ready_while_the_nlu_model_loads(tmp_path: Path) -> None:
    """On a fresh machine the model trains in the background: the process answers, and
    /readyz says so until the model is in."""
    release = threading.Event()

    def slow_model() -> NluEngine:
        release.wait(timeout=30)
        return NoEngine()

    app = create_app(Settings(data_dir=tmp_path, nlu_engine="off"), run_jobs=False)
    async with app.router.lifespan_context(app):
        loading = LoadingNlu(slow_model)
        loading.start()
        app.state.nlu = loading
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/healthz")).status_code == 200
            waiting = await client.get("/readyz")
            assert waiting.status_code == 503
            assert waiting.json()["checks"]["nlu"] == "loading"
            release.set()
            parsed = await loading.parse("balance", "en")
            assert parsed.intent.name == "nlu_fallback"
            ready = await client.get("/readyz")
        await loading.close()
    assert ready.status_code == 200
    assert ready.json()["checks"]["nlu"] == "ok"


async def test_not_ready_when_redis_is_down(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0", nlu_engine="off")
    response = await _readyz(settings)
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("unavailable")
