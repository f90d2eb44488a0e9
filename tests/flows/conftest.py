"""Teller's conversations over the web chat API, on both databases, with the real NLU."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator
from core.bank import Bank
from flows.service import Conversations
from nlu.embedded import EmbeddedEngine
from teller.app import create_app
from teller.demo import seed
from teller.settings import Settings
from teller.wiring import Container, notification_jobs
from tests.fakes import MutableClock
from tests.fakes import run_jobs as run_bank_jobs
from tests.flows.harness import Chat, RecordingCodes

# The trained model is cached between runs (training takes a minute); the data's
# fingerprint decides when it is stale.
NLU_CACHE = Path(os.environ.get("TELLER_TEST_NLU_DIR", Path.home() / ".cache/teller-tests/nlu"))


@pytest.fixture(scope="session")
def nlu() -> EmbeddedEngine:
    return EmbeddedEngine.open(NLU_CACHE)


@dataclass
class Teller:
    app: FastAPI
    http: httpx.AsyncClient
    bank: Bank
    clock: MutableClock
    codes: RecordingCodes
    demo: dict[str, Any]

    @property
    def conversations(self) -> Conversations:
        conversations: Conversations = self.app.state.conversations
        return conversations

    def chat(self, user_id: str) -> Chat:
        return Chat(self.http, user_id)

    def customer(self, key: str) -> dict[str, Any]:
        return next(c for c in self.demo["customers"] if c["key"] == key)

    def as_customer(self, key: str) -> Chat:
        return self.chat(self.customer(key)["webchat_user_id"])

    async def run_jobs(self) -> int:
        """Every due background job and event subscriber of the bank and of chat."""
        from core.jobqueue.runner import JobRunner

        ran = await run_bank_jobs(self.bank)
        container: Container = self.app.state.container
        return ran + await JobRunner(self.bank.db, self.clock, container.jobs()).run_until_idle()

    async def pending(self, user: str, channel: str = "webchat") -> list[dict[str, Any]]:
        """Replies waiting in the outbox for ``user`` (notifications, agents' answers)."""
        rows = await self.conversations.outbox.pending(channel, user)
        return [reply for _, _, reply in rows]

    async def balance(self, key: str, currency: str) -> int:
        from uuid import UUID

        customer = UUID(self.customer(key)["customer_id"])
        bank = self.conversations.services.bank
        for account in await bank.list_accounts(customer):
            if account.currency == currency:
                return account.balance_minor
        raise LookupError(currency)


@pytest.fixture
async def teller(
    bank: Bank, clock: MutableClock, nlu: EmbeddedEngine, tmp_path: Path
) -> AsyncIterator[Teller]:
    settings = Settings(data_dir=tmp_path / "data", public_url="http://teller.test")
    api_keys = ApiKeys(bank.db, clock)
    container = Container(
        settings,
        bank.db,
        bank,
        api_keys,
        Authenticator(api_keys),
        extra_jobs=notification_jobs(bank.db, bank, clock),
    )
    codes = RecordingCodes()
    app = create_app(
        settings, run_jobs=False, container=container, nlu=nlu, codes=codes, flows_clock=clock.now
    )
    async with app.router.lifespan_context(app):
        demo = await seed(container, app.state.conversations)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://teller.test") as http:
            yield Teller(app, http, bank, clock, codes, demo)
