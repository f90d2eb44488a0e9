"""Flows' tables are created once even when several Teller processes start together."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.persistence.database import Database
from flows.store.schema import prepare
from tests.conftest import _admin
from tests.services import POSTGRES_URL, require_postgres


@pytest.mark.postgres
async def test_processes_starting_together_create_the_tables_once() -> None:
    require_postgres()
    name = f"teller_prepare_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    servers = [Database(url) for _ in range(4)]  # four replicas, each its own pool
    try:
        await asyncio.gather(*(prepare(db) for db in servers))
        async with servers[0].read() as conn:
            tables = await conn.execute(
                text("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'flow_%'")
            )
            assert tables.scalar_one() >= 9
    finally:
        for db in servers:
            await db.dispose()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
