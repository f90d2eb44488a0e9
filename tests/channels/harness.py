"""Teller's whole application for channel tests: webhooks in, platform doubles out.

``async with running_teller(tmp_path, env) as teller:`` gives the app (``create_app``) on a
copy of the seeded demo bank (SQLite), with the channels that ``env`` configures (their
tokens, secrets and API URLs — point the API URL at a ``bots.doubles.PlatformDouble``) and
the inbound and delivery workers running in the background, as in ``teller serve``.

* ``teller.client``: an httpx client on the app (``await teller.client.post("/webhooks/…")``)
* ``teller.demo``: the demo identities (``teller.customer("anna")``)
* ``await teller.link(channel, user, "anna")``: the platform user is that demo customer
* ``await teller.settle()``: every queued message handled and every reply delivered
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI

from core.api.apikeys import ApiKeys
from core.api.auth import Authenticator
from core.bank import Bank
from core.crypto import Keyring
from core.persistence.database import Database
from flows.service import Conversations
from teller.app import create_app
from teller.channels import Channels
from teller.settings import Settings
from teller.wiring import Container, notification_jobs
from tests.conftest import CURRENCIES, INDEX_KEY, KEY_SPEC
from tests.fakes import MutableClock
from tests.flows.harness import RecordingCodes

_SEEDED: dict[str, tuple[Path, dict[str, Any]]] = {}


async def _seeded() -> tuple[Path, dict[str, Any]]:
    """The demo bank seeded once per test session, in a file each test copies."""
    if "sqlite" not in _SEEDED:
        from tests.flows.conftest import _seed_template

        folder = Path(tempfile.mkdtemp(prefix="teller-channels-template-"))
        path = folder / "template.db"
        demo = await _seed_template(f"sqlite:///{path}", folder)
        _SEEDED["sqlite"] = (path, demo)
    return _SEEDED["sqlite"]


def _nlu() -> Any:
    from nlu.embedded import EmbeddedEngine
    from tests.flows.conftest import NLU_CACHE

    return EmbeddedEngine.open(NLU_CACHE)


_NLU: list[Any] = []


@dataclass
class RunningTeller:
    app: FastAPI
    client: httpx.AsyncClient
    bank: Bank
    clock: MutableClock
    codes: RecordingCodes
    demo: dict[str, Any]

    @property
    def conversations(self) -> Conversations:
        conversations: Conversations = self.app.state.conversations
        return conversations

    @property
    def channels(self) -> Channels:
        channels: Channels = self.app.state.channels
        return channels

    def customer(self, key: str) -> dict[str, Any]:
        return next(c for c in self.demo["customers"] if c["key"] == key)

    async def link(self, channel: str, user: str, key: str) -> None:
        """Make ``user`` on ``channel`` the demo customer ``key`` (as onboarding would)."""
        customer = UUID(self.customer(key)["customer_id"])
        await self.conversations.services.identities.link(channel, user, customer)

    async def settle(self, seconds: float = 30.0) -> None:
        """Until the queue is empty and no reply to a messenger waits for delivery."""
        channels = self.channels
        assert channels.inbound is not None
        assert channels.delivery is not None

        async def quiet() -> None:
            while True:
                await channels.inbound.drain()  # type: ignore[union-attr]
                await channels.delivery.drain()  # type: ignore[union-attr]
                batches = await channels.outbox.due_batches(list(channels.adapters))
                if await channels.queue.size() == 0 and not batches:
                    return
                await asyncio.sleep(0.01)

        await asyncio.wait_for(quiet(), seconds)

    async def outbox(self, channel: str, user: str) -> list[tuple[str, str | None]]:
        """(status, error) of each reply to ``user``, oldest first."""
        from sqlalchemy import and_, select

        from flows.store.schema import outbox

        async with self.bank.db.read() as conn:
            rows = (
                await conn.execute(
                    select(outbox.c.status, outbox.c.error)
                    .where(and_(outbox.c.channel == channel, outbox.c.user_ref == user))
                    .order_by(outbox.c.id)
                )
            ).all()
        return [(r.status, r.error) for r in rows]


@asynccontextmanager
async def running_teller(tmp_path: Path, env: dict[str, str]) -> AsyncIterator[RunningTeller]:
    """Teller with the channels ``env`` configures (``{"TELEGRAM_BOT_TOKEN": …}``)."""
    template, demo = await _seeded()
    copy = tmp_path / "teller.db"
    shutil.copyfile(template, copy)
    db = Database(f"sqlite:///{copy}")
    clock = MutableClock()
    bank = Bank.build(db, Keyring.parse_spec(KEY_SPEC, INDEX_KEY), CURRENCIES, clock=clock)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "data", public_url="http://teller.test", **env
    )
    api_keys = ApiKeys(db, clock)
    container = Container(
        settings,
        db,
        bank,
        api_keys,
        Authenticator(api_keys),
        extra_jobs=notification_jobs(db, bank, clock),
    )
    if not _NLU:
        _NLU.append(_nlu())
    codes = RecordingCodes()
    app = create_app(
        settings,
        run_jobs=False,
        container=container,
        nlu=_NLU[0],
        codes=codes,
        flows_clock=clock.now,
    )
    stop = asyncio.Event()
    try:
        async with app.router.lifespan_context(app):
            channels: Channels = app.state.channels
            workers = channels.start(app.state.conversations, None, stop)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://teller.test") as c:
                try:
                    yield RunningTeller(app, c, bank, clock, codes, demo)
                finally:
                    stop.set()
                    await asyncio.gather(*workers, return_exceptions=True)
    finally:
        await db.dispose()
