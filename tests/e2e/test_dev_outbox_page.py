"""``/dev/outbox`` shows one-time codes in development and does not exist in production."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator
from core.bank import Bank
from teller.app import create_app
from teller.settings import Settings
from teller.wiring import Container
from tests.fakes import MutableClock


def _app(settings: Settings, bank: Bank, clock: MutableClock) -> object:
    keys = ApiKeys(bank.db, clock)
    container = Container(settings, bank.db, bank, keys, Authenticator(keys))
    return create_app(settings, run_jobs=False, container=container)


async def test_the_development_outbox_page_lists_codes(
    tmp_path: Path, bank: Bank, clock: MutableClock
) -> None:
    settings = Settings(data_dir=tmp_path)
    line = {"to": "+420601234567", "text": "Your Teller code is 123456.", "at": "2026-03-02"}
    (tmp_path / "dev-outbox.jsonl").write_text(json.dumps(line) + "\n")
    app = _app(settings, bank, clock)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        page = await client.get("/dev/outbox")
    assert page.status_code == 200
    assert "Your Teller code is 123456." in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_production_has_no_development_outbox(
    tmp_path: Path, bank: Bank, clock: MutableClock
) -> None:
    (tmp_path / "dev-outbox.jsonl").write_text('{"to": "x", "text": "y", "at": "z"}\n')
    settings = Settings(data_dir=tmp_path, env="production")
    transport = httpx.ASGITransport(app=_app(settings, bank, clock))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/dev/outbox")).status_code == 404
        assert (await client.get("/webchat")).status_code == 200
