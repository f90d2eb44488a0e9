"""``TELLER_JOB_QUEUE``: the built-in queue by default, procrastinate on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.jobqueue.queue import SqlJobQueue
from integrations.procrastinate import ProcrastinateQueue
from teller.jobs import background_jobs
from teller.settings import ConfigurationError, Settings
from teller.wiring import build
from tests.conftest import _admin
from tests.services import POSTGRES_URL, require_postgres


def test_the_builtin_queue_is_the_default(tmp_path: Path) -> None:
    container = build(Settings(data_dir=tmp_path))
    assert isinstance(container.bank.queue, SqlJobQueue)
    assert container.procrastinate is None


def test_procrastinate_needs_postgresql(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="PostgreSQL"):
        build(Settings(data_dir=tmp_path, job_queue="procrastinate"))


@pytest.fixture
async def scratch_url() -> AsyncIterator[str]:
    require_postgres()
    name = f"teller_wiring_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
async def test_procrastinate_gets_its_schema_and_a_worker_that_stops(
    tmp_path: Path, scratch_url: str
) -> None:
    settings = Settings(data_dir=tmp_path, database_url=scratch_url, job_queue="procrastinate")
    container = build(settings)
    assert isinstance(container.bank.queue, ProcrastinateQueue)
    await container.start()
    try:
        async with container.db.read() as conn:
            assert (
                await conn.execute(text("SELECT count(*) FROM procrastinate_jobs"))
            ).scalar() == 0
        stop = asyncio.Event()
        loops = background_jobs(container, 0.05, stop)
        await asyncio.sleep(0.2)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*loops), timeout=10)
    finally:
        await container.close()
