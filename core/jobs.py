"""Background work the core asks for: deferred jobs, periodic jobs, event subscribers.

The core declares *what* runs and with which retry policy; the composition root
(``teller``) decides *where*: in the serving process by default, on an established job
queue when scaled (see docs/decisions). Delivery is at least once, so every handler is
idempotent: it finds its work from the bank's own state (a job for an application that
is already decided does nothing) and moves money only with an idempotency key derived
from what it is about (``cashback:<card>:<month>``, never a fresh UUID).

A job deferred from inside a transaction could outlive a rollback, and one deferred
after commit could be lost to a crash in between. So work that matters is also made
findable from its state, and a :class:`Periodic` sweep defers it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retries with exponential back-off: ``first``, ``first * factor``, … up to ``cap``."""

    attempts: int = 6  # runs in all, the first included
    first: timedelta = timedelta(seconds=2)
    factor: float = 2.0
    cap: timedelta = timedelta(minutes=10)

    def delay(self, failures: int) -> timedelta:
        """How long to wait after the ``failures``-th failed run (1-based)."""
        seconds = self.first.total_seconds() * self.factor ** (failures - 1)
        return min(self.cap, timedelta(seconds=seconds))


Handler = Callable[[Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Task:
    """A kind of deferred job. ``name`` is stable: queued jobs refer to it by name."""

    name: str
    handler: Handler  # gets the JSON payload given to ``defer``; must be idempotent
    backoff: Backoff = field(default_factory=Backoff)


@dataclass(frozen=True, slots=True)
class Periodic:
    """A job run every ``every``; the handler gets the time it was due."""

    name: str
    every: timedelta
    handler: Callable[[datetime], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Event:
    """A committed domain event from the outbox (``core.events``), as subscribers see it."""

    id: int
    type: str
    aggregate_id: str
    payload: Mapping[str, Any]
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Subscriber:
    """Reacts to domain events of ``types``, in the order they were written.

    Each subscriber has its own position in the outbox; an event is delivered again after
    a failure (with ``backoff``), so the handler must be idempotent.
    """

    name: str
    types: frozenset[str]
    handler: Callable[[Event], Awaitable[None]]
    backoff: Backoff = field(default_factory=Backoff)


@dataclass(frozen=True)
class Jobs:
    """Everything a part of the core wants run in the background."""

    tasks: Sequence[Task] = ()
    periodic: Sequence[Periodic] = ()
    subscribers: Sequence[Subscriber] = ()

    def __add__(self, other: Jobs) -> Jobs:
        return Jobs(
            [*self.tasks, *other.tasks],
            [*self.periodic, *other.periodic],
            [*self.subscribers, *other.subscribers],
        )


class JobQueue(Protocol):
    """Where deferred jobs go."""

    async def defer(
        self,
        task: str,
        payload: Mapping[str, Any],
        *,
        key: str | None = None,
        delay: timedelta | None = None,
    ) -> None:
        """Queue a run of ``task`` with a JSON-safe ``payload``.

        While a job with the same ``key`` is queued or running, deferring it again does
        nothing (so a sweep may defer freely). ``delay`` postpones the first run.
        """
        ...


@dataclass
class QueuedJob:
    task: str
    payload: Mapping[str, Any]
    key: str | None
    due: datetime
    failures: int = 0
    last_error: str | None = None


class MemoryQueue:
    """A :class:`JobQueue` held in memory and run on demand by :meth:`run_due`.

    For tests and tools that want deferred work to happen at a moment they choose; it
    keeps nothing across restarts, so ``teller`` never uses it to serve.
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.queued: list[QueuedJob] = []
        self.dead: list[QueuedJob] = []  # jobs that failed every attempt

    async def defer(
        self,
        task: str,
        payload: Mapping[str, Any],
        *,
        key: str | None = None,
        delay: timedelta | None = None,
    ) -> None:
        if key is not None and any(job.key == key for job in self.queued):
            return
        due = self._now() + (delay or timedelta())
        self.queued.append(QueuedJob(task, dict(payload), key, due))

    async def run_due(self, jobs: Jobs) -> int:
        """Run every queued job that is due now (including ones they defer that are due
        at once); a failure is retried later per the task's back-off. Returns the runs."""
        tasks = {task.name: task for task in jobs.tasks}
        runs = 0
        while due := [job for job in self.queued if job.due <= self._now()]:
            for job in due:
                self.queued.remove(job)
                task = tasks[job.task]
                runs += 1
                try:
                    await task.handler(job.payload)
                except Exception as exc:  # retried with back-off, like the real queues
                    job.failures += 1
                    job.last_error = type(exc).__name__
                    if job.failures >= task.backoff.attempts:
                        self.dead.append(job)
                    else:
                        job.due = self._now() + task.backoff.delay(job.failures)
                        self.queued.append(job)
            if all(job.due > self._now() for job in self.queued):
                break
        return runs
