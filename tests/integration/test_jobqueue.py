"""The durable job queue on SQLite and PostgreSQL: deferred jobs with retries, periodic
jobs and event deliveries, each run once among several runners."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from core import events
from core.bank import Bank
from core.jobqueue.queue import SqlJobQueue
from core.jobqueue.runner import JobRunner
from core.jobqueue.tables import jobs as jobs_table
from core.jobs import Backoff, Event, Jobs, Periodic, Subscriber, Task
from tests.fakes import MutableClock

FAST = Backoff(attempts=3, first=timedelta(seconds=10))


class Recorder:
    """Handlers that remember what they were given and fail on demand."""

    def __init__(self) -> None:
        self.payloads: list[Mapping[str, Any]] = []
        self.events: list[Event] = []
        self.due: list[Any] = []
        self.failures = 0

    async def task(self, payload: Mapping[str, Any]) -> None:
        self.payloads.append(payload)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the other side is down")

    async def event(self, event: Event) -> None:
        self.events.append(event)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the other side is down")

    async def periodic(self, due: Any) -> None:
        self.due.append(due)


def _jobs(rec: Recorder) -> Jobs:
    return Jobs(
        tasks=[Task("notify", rec.task, FAST)],
        subscribers=[Subscriber("mailer", frozenset({"card.issued"}), rec.event, FAST)],
    )


async def test_a_deferred_job_runs_once_with_its_payload(bank: Bank, clock: MutableClock) -> None:
    rec = Recorder()
    queue, runner = SqlJobQueue(bank.db, clock), JobRunner(bank.db, clock, _jobs(rec))
    await queue.defer("notify", {"customer": "c1", "amount": 5})
    assert await runner.run_until_idle() == 1
    assert await runner.run_until_idle() == 0
    assert rec.payloads == [{"customer": "c1", "amount": 5}]


async def test_a_delayed_job_waits_for_its_time(bank: Bank, clock: MutableClock) -> None:
    rec = Recorder()
    queue, runner = SqlJobQueue(bank.db, clock), JobRunner(bank.db, clock, _jobs(rec))
    await queue.defer("notify", {}, delay=timedelta(minutes=5))
    assert await runner.run_until_idle() == 0
    clock.advance(minutes=5)
    assert await runner.run_until_idle() == 1


async def test_a_failed_job_is_retried_after_its_backoff(bank: Bank, clock: MutableClock) -> None:
    rec = Recorder()
    rec.failures = 1
    queue, runner = SqlJobQueue(bank.db, clock), JobRunner(bank.db, clock, _jobs(rec))
    await queue.defer("notify", {"n": 1})
    await runner.run_until_idle()
    clock.advance(seconds=9)
    assert await runner.run_until_idle() == 0
    clock.advance(seconds=1)
    assert await runner.run_until_idle() == 1
    assert len(rec.payloads) == 2
    assert await runner.dead_jobs() == []


async def test_a_job_failing_every_attempt_is_kept_dead_for_staff(
    bank: Bank, clock: MutableClock
) -> None:
    rec = Recorder()
    rec.failures = 99
    queue, runner = SqlJobQueue(bank.db, clock), JobRunner(bank.db, clock, _jobs(rec))
    await queue.defer("notify", {})
    for _ in range(5):
        await runner.run_until_idle()
        clock.advance(minutes=10)
    assert len(rec.payloads) == FAST.attempts
    assert await runner.dead_jobs() == [("notify", "ConnectionError")]


async def test_a_key_is_queued_once_until_its_job_finishes(
    bank: Bank, clock: MutableClock
) -> None:
    rec = Recorder()
    queue, runner = SqlJobQueue(bank.db, clock), JobRunner(bank.db, clock, _jobs(rec))
    await queue.defer("notify", {"n": 1}, key="kyc:42")
    await queue.defer("notify", {"n": 2}, key="kyc:42")
    await runner.run_until_idle()
    await queue.defer("notify", {"n": 3}, key="kyc:42")
    await runner.run_until_idle()
    assert [p["n"] for p in rec.payloads] == [1, 3]


async def test_a_job_whose_runner_died_runs_again_after_its_lease(
    bank: Bank, clock: MutableClock
) -> None:
    rec = Recorder()
    queue, runner = SqlJobQueue(bank.db, clock), JobRunner(bank.db, clock, _jobs(rec))
    await queue.defer("notify", {"n": 1})
    async with bank.db.transaction() as conn:  # as a runner leaves it when it crashes
        await conn.execute(
            update(jobs_table).values(
                status="running", attempts=1, locked_until=clock.now() + timedelta(minutes=5)
            )
        )
    assert await runner.run_until_idle() == 0
    clock.advance(minutes=6)
    assert await runner.run_until_idle() == 1
    async with bank.db.read() as conn:
        row = (await conn.execute(select(jobs_table.c.status, jobs_table.c.attempts))).one()
    assert (row.status, row.attempts) == ("done", 2)


async def test_a_periodic_job_runs_once_per_period_among_runners(
    bank: Bank, clock: MutableClock
) -> None:
    rec = Recorder()
    every = Jobs(periodic=[Periodic("fx.refresh", timedelta(hours=1), rec.periodic)])
    first, second = JobRunner(bank.db, clock, every), JobRunner(bank.db, clock, every)
    await first.run_once()
    await second.run_once()
    clock.advance(minutes=59)
    await second.run_once()
    clock.advance(minutes=1)
    await second.run_once()
    await first.run_once()
    clock.advance(hours=10)  # a long outage: one run, not ten
    await first.run_once()
    await first.run_once()
    assert len(rec.due) == 3


async def _publish(bank: Bank, clock: MutableClock, type_: str, n: int) -> None:
    async with bank.db.transaction() as conn:
        await events.record(conn, type_, f"agg-{n}", {"n": n}, clock.now())


async def test_a_subscriber_gets_each_event_of_its_types_once(
    bank: Bank, clock: MutableClock
) -> None:
    rec = Recorder()
    first, second = JobRunner(bank.db, clock, _jobs(rec)), JobRunner(bank.db, clock, _jobs(rec))
    await _publish(bank, clock, "card.issued", 1)
    await _publish(bank, clock, "money.transferred", 2)
    await _publish(bank, clock, "card.issued", 3)
    await first.run_until_idle()
    await second.run_until_idle()
    clock.advance(minutes=5)  # past the grace period: the low water moves on
    await first.run_until_idle()
    await _publish(bank, clock, "card.issued", 4)
    await second.run_until_idle()
    assert [e.payload["n"] for e in rec.events] == [1, 3, 4]
    assert {e.type for e in rec.events} == {"card.issued"}


async def test_a_failed_delivery_is_retried_without_holding_up_later_events(
    bank: Bank, clock: MutableClock
) -> None:
    rec = Recorder()
    rec.failures = 1
    runner = JobRunner(bank.db, clock, _jobs(rec))
    await _publish(bank, clock, "card.issued", 1)
    await _publish(bank, clock, "card.issued", 2)
    await runner.run_until_idle()
    clock.advance(seconds=10)
    await runner.run_until_idle()
    assert [e.payload["n"] for e in rec.events] == [1, 2, 1]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_concurrent_runners_run_each_job_exactly_once(
    bank: Bank, clock: MutableClock
) -> None:
    rec = Recorder()
    queue = SqlJobQueue(bank.db, clock)
    for n in range(60):
        await queue.defer("notify", {"n": n})
    runners = [JobRunner(bank.db, clock, _jobs(rec), batch=5) for _ in range(4)]
    await asyncio.gather(*(r.run_until_idle() for r in runners))
    assert sorted(p["n"] for p in rec.payloads) == list(range(60))
