"""``bank_api``: every ``BankAPI`` implementation over the test bank, one after the other.

The e2e fixtures (the app over the ``bank`` fixture's database, API keys) are imported so
pytest registers them for this directory too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from core.actors import Actor, ActorKind
from core.bank import Bank
from integrations.bank import BankAPI
from integrations.bank.http import HttpBank
from integrations.bank.local import LocalBank
from tests.e2e.conftest import KeyFactory, api_keys, app, make_key, oidc, settings  # noqa: F401

ACTOR = Actor(ActorKind.API_CLIENT, "contract-tests")


@pytest.fixture(params=["local", "http"])
async def bank_api(request: pytest.FixtureRequest, bank: Bank) -> AsyncIterator[BankAPI]:
    """``LocalBank`` on the test bank, then ``HttpBank`` on the whole app over that bank."""
    if request.param == "local":
        yield LocalBank(bank, ACTOR)
        return
    make: KeyFactory = request.getfixturevalue("make_key")
    transport = httpx.ASGITransport(app=request.getfixturevalue("app"))
    key = await make("bank.admin")
    async with HttpBank("http://teller.test", key, transport=transport, backoff=0.01) as client:
        yield client
