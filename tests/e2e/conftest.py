"""The whole ASGI app over the test bank, and API keys with chosen roles."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from core.actors import Actor, ActorKind
from core.api.apikeys import ROLES, ApiKeys
from core.api.auth import Authenticator, OidcVerifier
from core.bank import Bank
from teller.app import create_app
from teller.settings import Settings
from teller.wiring import Container
from tests.fakes import MutableClock

ALL_ROLES = list(ROLES)
KeyFactory = Callable[..., Awaitable[str]]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_body_bytes=16 * 1024)


@pytest.fixture
def api_keys(bank: Bank, clock: MutableClock) -> ApiKeys:
    return ApiKeys(bank.db, clock)


@pytest.fixture
def oidc() -> OidcVerifier | None:
    """Override in a module to enable bearer tokens."""
    return None


@pytest.fixture
def app(settings: Settings, bank: Bank, api_keys: ApiKeys, oidc: OidcVerifier | None) -> FastAPI:
    container = Container(settings, bank.db, bank, api_keys, Authenticator(api_keys, oidc))
    return create_app(settings, run_jobs=False, container=container)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://teller.test") as client:
        yield client


@pytest.fixture
def make_key(api_keys: ApiKeys) -> KeyFactory:
    """``await make_key("bank.read")`` → a fresh API key holding those roles."""
    counter = 0

    async def make(*roles: str) -> str:
        nonlocal counter
        counter += 1
        _, key = await api_keys.create(
            f"client-{counter}", list(roles or ALL_ROLES), Actor(ActorKind.STAFF, "tests")
        )
        return key

    return make


@pytest.fixture
async def admin_headers(make_key: KeyFactory) -> dict[str, str]:
    return {"X-API-Key": await make_key("bank.admin")}
