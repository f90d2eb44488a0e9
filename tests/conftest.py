"""Fixtures shared by every tier: databases on both backends, the bank, the clock."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from backoffice.store import metadata as backoffice_metadata
from backoffice.store import prepare as prepare_backoffice
from core.actors import SYSTEM
from core.audit.chain import CHAINS, GENESIS_HASH
from core.bank import Bank
from core.crypto import Keyring
from core.persistence.database import Database
from core.persistence.migrate import upgrade
from core.persistence.schema import metadata
from flows.store.schema import metadata as flows_metadata
from flows.store.schema import prepare as prepare_flows
from tests.fakes import MutableClock
from tests.services import POSTGRES_URL, require_postgres

T = TypeVar("T")
CURRENCIES = ("EUR", "CZK", "USD", "JPY")
KEY_SPEC = "test1:" + base64.b64encode(b"k" * 32).decode()
INDEX_KEY = base64.b64encode(b"i" * 32).decode()


# -- no network beyond this machine ------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_outbound_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that leaves the machine: fakes live at the edge, on loopback."""
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise RuntimeError(f"a test tried to connect to {host}: not allowed")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


# -- databases ----------------------------------------------------------------------------


def _admin_dsn() -> str:
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)


def run_in_thread(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run setup work on its own event loop, so sync fixtures can prepare databases."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, make()).result()


async def _admin(sql: str) -> None:
    admin = await asyncpg.connect(_admin_dsn())
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        await prepare_flows(db)
        await prepare_backoffice(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database for this test session, migrated once."""
    require_postgres()
    name = f"teller_test_{uuid.uuid4().hex[:10]}"
    run_in_thread(lambda: _admin(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    run_in_thread(lambda: _migrate(url))
    yield url
    run_in_thread(lambda: _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_postgres(url: str) -> None:
    db = Database(url)
    try:
        async with db.transaction() as conn:
            tables = [
                *metadata.sorted_tables,
                *flows_metadata.sorted_tables,
                *backoffice_metadata.sorted_tables,
            ]
            names = ", ".join(t.name for t in tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            # The migrations' starting point: every audit chain at its genesis.
            await conn.execute(
                text("INSERT INTO audit_head (id, seq, hash) VALUES (:id, 0, :h)"),
                [{"id": chain, "h": GENESIS_HASH} for chain in range(CHAINS)],
            )
    finally:
        await db.dispose()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database on each backend in turn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'teller.db'}"
        run_in_thread(lambda: _migrate(url))
        return url
    url = str(request.getfixturevalue("postgres_url"))
    run_in_thread(lambda: _reset_postgres(url))
    return url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=30)
    yield db
    await db.dispose()


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.parse_spec(KEY_SPEC, INDEX_KEY)


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
async def bank(
    database: Database, keyring: Keyring, clock: MutableClock, request: pytest.FixtureRequest
) -> AsyncIterator[Bank]:
    """The core over a fresh database, with the bank's own accounts in place.

    After the test, ``teller ledger verify`` and ``teller audit verify`` must still pass
    (tests that tamper with the tables on purpose are marked ``tampers``).
    """
    built = Bank.build(database, keyring, CURRENCIES, clock=clock)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    yield built
    if request.node.get_closest_marker("tampers") is None:
        ledger, audit = await built.verify_ledger(), await built.verify_audit()
        assert ledger.ok, f"the ledger no longer verifies: {ledger.problems}"
        assert audit.ok, f"the audit log no longer verifies: {audit.problems}"
