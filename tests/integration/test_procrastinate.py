"""The bank's jobs on procrastinate, on a real PostgreSQL database of their own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any

import procrastinate
import pytest
from sqlalchemy.engine import make_url

from core.jobs import Backoff, Jobs, Task
from core.persistence.database import Database
from integrations.procrastinate import ProcrastinateQueue, cron_of, open_app, register
from tests.conftest import _admin
from tests.fakes import MutableClock
from tests.services import POSTGRES_URL, require_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
async def app() -> AsyncIterator[procrastinate.App]:
    """A procrastinate app on a scratch database with procrastinate's schema applied."""
    require_postgres()
    name = f"teller_jobs_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name, drivername="postgresql")
    app = open_app(url.render_as_string(hide_password=False))
    try:
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            yield app
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Calls:
    def __init__(self, failures: int = 0) -> None:
        self.payloads: list[Mapping[str, Any]] = []
        self.failures = failures

    async def handler(self, payload: Mapping[str, Any]) -> None:
        self.payloads.append(payload)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the other side is down")


def _declare(app: procrastinate.App, calls: Calls, backoff: Backoff) -> None:
    db = Database("sqlite://")  # the dispatcher's database: unused without subscribers
    register(app, Jobs(tasks=[Task("kyc.process", calls.handler, backoff)]), db, MutableClock())


async def test_a_deferred_job_runs_on_a_procrastinate_worker(app: procrastinate.App) -> None:
    calls = Calls()
    _declare(app, calls, Backoff())
    await ProcrastinateQueue(app).defer("kyc.process", {"application": "a1"})
    await app.run_worker_async(wait=False, install_signal_handlers=False)
    assert calls.payloads == [{"application": "a1"}]


async def test_a_failing_job_is_retried_per_its_backoff(app: procrastinate.App) -> None:
    calls = Calls(failures=2)
    _declare(app, calls, Backoff(attempts=3, first=timedelta(0)))
    await ProcrastinateQueue(app).defer("kyc.process", {"n": 1})
    await app.run_worker_async(wait=False, install_signal_handlers=False)
    assert len(calls.payloads) == 3


async def test_a_key_waiting_in_the_queue_is_not_queued_twice(app: procrastinate.App) -> None:
    calls = Calls()
    _declare(app, calls, Backoff())
    queue = ProcrastinateQueue(app)
    await queue.defer("kyc.process", {"n": 1}, key="kyc:42")
    await queue.defer("kyc.process", {"n": 2}, key="kyc:42")
    await app.run_worker_async(wait=False, install_signal_handlers=False)
    assert calls.payloads == [{"n": 1}]


@pytest.mark.parametrize(
    ("every", "cron"),
    [
        (timedelta(seconds=5), "* * * * * */5"),
        (timedelta(minutes=15), "*/15 * * * *"),
        (timedelta(hours=6), "0 */6 * * *"),
        (timedelta(days=1), "0 0 * * *"),
    ],
)
def test_a_period_becomes_a_cron_line(every: timedelta, cron: str) -> None:
    assert cron_of(every) == cron


@pytest.mark.parametrize("every", [timedelta(seconds=7), timedelta(hours=5), timedelta(days=2)])
def test_a_period_cron_cannot_keep_evenly_is_refused(every: timedelta) -> None:
    with pytest.raises(ValueError, match="evenly"):
        cron_of(every)
