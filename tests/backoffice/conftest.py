"""The back office in-process: the whole Teller app over the test bank (both databases),
its lifespan running (conversations built, jobs off), and staff clients signed in with a
real password and TOTP code for any set of roles."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from fastapi import FastAPI

from backoffice.context import Backoffice
from backoffice.roles import Role
from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator
from core.bank import Bank
from nlu.engine import NoEngine
from teller.app import create_app
from teller.settings import Settings
from teller.wiring import Container
from tests.fakes import MutableClock

PASSWORD = "correct horse battery staple"
BASE = "http://teller.test"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", nlu_engine="off")


@pytest.fixture
async def app(settings: Settings, bank: Bank, clock: MutableClock) -> AsyncIterator[FastAPI]:
    api_keys = ApiKeys(bank.db, clock)
    container = Container(settings, bank.db, bank, api_keys, Authenticator(api_keys, None))
    built = create_app(
        settings, run_jobs=False, container=container, nlu=NoEngine(), flows_clock=clock.now
    )
    async with built.router.lifespan_context(built):
        yield built


@pytest.fixture
def backoffice(app: FastAPI) -> Backoffice:
    found: Backoffice = app.state.backoffice
    return found


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE, headers={"Accept": "text/html"}
    ) as client:
        yield client


@dataclass
class StaffClient:
    """A browser-like client signed in as one staff member."""

    http: httpx.AsyncClient
    username: str
    csrf: str

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(url, **kwargs)

    async def post(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        """A form post carrying the session's CSRF token."""
        return await self.http.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found.group(1)


async def sign_in(
    http: httpx.AsyncClient, username: str, password: str, code: str
) -> httpx.Response:
    form = await http.get("/backoffice/login")
    return await http.post(
        "/backoffice/login",
        data={
            "username": username,
            "password": password,
            "code": code,
            "csrf_token": hidden(form.text, "csrf_token"),
            "next": "/backoffice",
        },
    )


StaffFactory = Callable[..., Awaitable[StaffClient]]


@pytest.fixture
async def staff_client(
    app: FastAPI, backoffice: Backoffice, clock: MutableClock
) -> AsyncIterator[StaffFactory]:
    """``await staff_client(Role.AGENT)`` → a client signed in with those roles."""
    clients: list[httpx.AsyncClient] = []
    counter = 0

    async def make(*roles: Role, name: str = "") -> StaffClient:
        nonlocal counter
        counter += 1
        username = f"{'-'.join(r.value for r in roles) or 'none'}{counter}".replace("_", "-")
        created = await backoffice.accounts.create(
            username, name or f"Staff {username}", frozenset(roles), PASSWORD
        )
        totp = pyotp.parse_uri(created.totp_uri)
        assert isinstance(totp, pyotp.TOTP)
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=BASE, headers={"Accept": "text/html"}
        )
        clients.append(http)
        answer = await sign_in(http, username, PASSWORD, totp.at(clock.now()))
        assert answer.status_code == 303, answer.text
        home = await http.get("/backoffice")
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', home.text)
        assert csrf, home.text
        return StaffClient(http, username, csrf.group(1))

    yield make
    for http in clients:
        await http.aclose()
