"""The job declarations and the in-memory queue: back-off, de-duplication, dead jobs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from core.jobs import Backoff, Jobs, MemoryQueue, Task
from tests.fakes import MutableClock


def test_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff(first=timedelta(seconds=2), factor=2, cap=timedelta(seconds=10))
    assert [backoff.delay(n).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 10]


async def test_a_failing_job_is_retried_after_its_backoff_until_it_succeeds() -> None:
    clock = MutableClock()
    queue = MemoryQueue(clock.now)
    calls: list[Mapping[str, Any]] = []

    async def flaky(payload: Mapping[str, Any]) -> None:
        calls.append(payload)
        if len(calls) < 3:
            raise RuntimeError("the other side is down")

    jobs = Jobs(tasks=[Task("flaky", flaky, Backoff(first=timedelta(seconds=5)))])
    await queue.defer("flaky", {"n": 1})
    assert await queue.run_due(jobs) == 1
    assert await queue.run_due(jobs) == 0  # not due yet
    clock.advance(seconds=5)
    await queue.run_due(jobs)
    clock.advance(seconds=10)
    await queue.run_due(jobs)
    assert len(calls) == 3
    assert queue.queued == []
    assert queue.dead == []


async def test_a_job_that_fails_every_attempt_ends_dead() -> None:
    clock = MutableClock()
    queue = MemoryQueue(clock.now)

    async def broken(_: Mapping[str, Any]) -> None:
        raise ValueError("bug")

    jobs = Jobs(tasks=[Task("broken", broken, Backoff(attempts=2, first=timedelta(0)))])
    await queue.defer("broken", {})
    await queue.run_due(jobs)
    assert [(job.task, job.failures, job.last_error) for job in queue.dead] == [
        ("broken", 2, "ValueError")
    ]


async def test_a_key_already_queued_is_not_queued_twice() -> None:
    queue = MemoryQueue(MutableClock().now)
    await queue.defer("t", {}, key="k")
    await queue.defer("t", {}, key="k")
    await queue.defer("t", {}, key="other")
    assert [job.key for job in queue.queued] == ["k", "other"]
