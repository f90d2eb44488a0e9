"""``/readyz`` reports the real database and Redis."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from teller.app import create_app
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
    response = await _readyz(Settings(data_dir=tmp_path, redis_url=REDIS_URL))
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


async def test_not_ready_when_redis_is_down(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    response = await _readyz(settings)
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("unavailable")
