"""Teller's conversations over the web chat API, on both databases, with the real NLU."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
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
from teller.settings import Settings
from teller.wiring import Container, notification_jobs
from tests.fakes import MutableClock
from tests.fakes import run_jobs as run_bank_jobs
from tests.flows.harness import Chat, RecordingCodes

# The trained model is cached between runs (training takes a minute); the data's
# fingerprint decides when it is stale.
NLU_CACHE = Path(os.environ.get("TELLER_TEST_NLU_DIR", Path.home() / ".cache/teller-tests/nlu"))


# -- the demo bank, seeded once per backend and copied for each test ------------------------
#
# Seeding the demo bank (customers, accounts, cards, history, passcode hashes) takes longer
# than most conversations; each test gets a copy of a database seeded once per session:
# a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL.

_TEMPLATES: dict[str, tuple[str, dict[str, Any]]] = {}
_DEMOS: dict[str, dict[str, Any]] = {}


async def _seed_template(url: str, folder: Path) -> dict[str, Any]:
    from core.actors import SYSTEM
    from core.crypto import Keyring
    from core.persistence.database import Database
    from core.persistence.migrate import upgrade
    from flows.sealing import Sealer
    from flows.store.schema import prepare
    from flows.store.sql import SqlCredentialStore, SqlIdentityStore
    from integrations.bank.local import LocalBank
    from teller.conversations import CHAT_ACTOR, flows_key
    from teller.demo import seed_with
    from tests.conftest import CURRENCIES, INDEX_KEY, KEY_SPEC

    db = Database(url)
    try:
        await upgrade(db)
        await prepare(db)
        clock = MutableClock()
        bank = Bank.build(db, Keyring.parse_spec(KEY_SPEC, INDEX_KEY), CURRENCIES, clock=clock)
        await bank.accounts.ensure_bank_accounts(SYSTEM)
        settings = Settings(data_dir=folder, public_url="http://teller.test")
        api_keys = ApiKeys(db, clock)
        container = Container(settings, db, bank, api_keys, Authenticator(api_keys))
        return await seed_with(
            container,
            LocalBank(bank, CHAT_ACTOR),
            SqlIdentityStore(db, clock.now),
            SqlCredentialStore(db, clock.now, Sealer(flows_key(settings))),
        )
    finally:
        await db.dispose()


def _template(backend: str, factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    from tests.conftest import _admin, run_in_thread
    from tests.services import POSTGRES_URL

    if backend not in _TEMPLATES:
        folder = factory.mktemp(f"flows-template-{backend}")
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'template.db'}"
        else:
            from sqlalchemy.engine import make_url

            name = f"teller_flows_tpl_{uuid.uuid4().hex[:8]}"
            run_in_thread(lambda: _admin(f'CREATE DATABASE "{name}"'))
            url = make_url(POSTGRES_URL).set(database=name).render_as_string(False)
        _TEMPLATES[backend] = (url, run_in_thread(lambda: _seed_template(url, folder)))
    return _TEMPLATES[backend]


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    from tests.conftest import _admin, run_in_thread

    for backend, (url, _) in _TEMPLATES.items():
        if backend == "postgresql":
            from sqlalchemy.engine import make_url

            drop = f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'
            run_in_thread(lambda sql=drop: _admin(sql))  # type: ignore[misc]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A copy of the seeded demo bank's database, on each backend in turn."""
    from tests.conftest import _admin, run_in_thread
    from tests.services import require_postgres

    if request.param == "postgresql":
        require_postgres()
    template, demo = _template(request.param, tmp_path_factory)
    if request.param == "sqlite":
        copy = tmp_path / "teller.db"
        shutil.copyfile(template.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
        _DEMOS[url] = demo
        yield url
        return
    from sqlalchemy.engine import make_url

    base = make_url(template)
    name = f"teller_flows_{uuid.uuid4().hex[:10]}"
    run_in_thread(lambda: _admin(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"'))
    url = base.set(database=name).render_as_string(False)
    _DEMOS[url] = demo
    yield url
    _DEMOS.pop(url, None)
    run_in_thread(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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
    bank: Bank, clock: MutableClock, nlu: EmbeddedEngine, tmp_path: Path, database_url: str
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
        demo = _DEMOS[database_url]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://teller.test") as http:
            yield Teller(app, http, bank, clock, codes, demo)
