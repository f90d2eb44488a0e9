"""Two ``teller serve`` processes on one PostgreSQL database take one chat's messages,
interleaved between them (and some delivered twice, to the other server): each message is
handled once, in the order it was sent."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bots.doubles import PlatformDouble
from core.actors import SYSTEM
from core.bank import Bank
from core.crypto import Keyring
from core.persistence.database import Database
from core.persistence.migrate import upgrade
from flows.store.schema import prepare
from teller.bench.http_load import Connection, post
from teller.bench.webhooks import SECRET, served, telegram_answers, teller_env
from tests.conftest import INDEX_KEY, KEY_SPEC, _admin
from tests.services import POSTGRES_URL, require_postgres

CHAT = 777_001
MESSAGES = 16


def update(n: int, text_: str) -> bytes:
    body = {
        "update_id": 9_000 + n,
        "message": {
            "message_id": n + 1,
            "date": 1_764_000_000,
            "chat": {"id": CHAT, "type": "private", "first_name": "Order"},
            "from": {"id": CHAT, "is_bot": False, "first_name": "Order"},
            "text": text_,
        },
    }
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    return post("/webhooks/telegram", json.dumps(body).encode(), headers)


async def inbound_texts(db: Database) -> list[str]:
    async with db.read() as conn:
        rows = await conn.execute(
            text(
                "SELECT body FROM flow_transcript WHERE channel = 'telegram' AND user_ref = :u"
                " AND direction = 'in' ORDER BY id"
            ),
            {"u": str(CHAT)},
        )
        return [json.loads(r.body).get("text", "") for r in rows]


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_servers_handle_one_chats_interleaved_messages_once_in_order() -> None:
    require_postgres()
    name = f"teller_two_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    db = Database(url)
    double = PlatformDouble(telegram_answers).start()
    try:
        # Migrated and prepared once here, so the servers start on a ready database.
        await upgrade(db)
        await prepare(db)
        bank = Bank.build(db, Keyring.parse_spec(KEY_SPEC, INDEX_KEY), ["EUR"])
        await bank.accounts.ensure_bank_accounts(SYSTEM)
        folder = Path(tempfile.mkdtemp(prefix="teller-two-servers-"))
        env = teller_env(folder, double.url, jobs=True)
        env.update(
            {
                "TELLER_DATABASE_URL": url,
                "TELLER_ENCRYPTION_KEYS": KEY_SPEC,
                "TELLER_INDEX_KEY": INDEX_KEY,
                "TELLER_CURRENCIES": "EUR",
            }
        )
        app = ["teller.app:create_app", "--factory"]
        async with served(app, env, folder) as one, served(app, env, folder) as two:
            ports = [one, two]
            sent = [f"message {n:02d}" for n in range(MESSAGES)]
            for n, body in enumerate(sent):
                conn = await Connection.open("127.0.0.1", ports[n % 2])
                try:
                    assert await conn.exchange(update(n, body)) == 200
                    if n % 5 == 0:  # the platform delivers this one again, elsewhere
                        other = await Connection.open("127.0.0.1", ports[(n + 1) % 2])
                        try:
                            assert await other.exchange(update(n, body)) == 200
                        finally:
                            other.close()
                finally:
                    conn.close()
            deadline = time.monotonic() + 90
            seen = await inbound_texts(db)
            while len(seen) < MESSAGES and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                seen = await inbound_texts(db)
            await asyncio.sleep(1.0)  # a duplicate turn, if any, would show by now
            assert await inbound_texts(db) == sent
    finally:
        double.stop()
        await db.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
