"""``core.jobs`` on procrastinate (PostgreSQL): deferred jobs, periodic jobs, subscribers.

A scaled Teller runs its background work on an established queue instead of the bank's
own tables (see docs/decisions): deferring is procrastinate's ``defer`` with the job key
as its queueing lock; every ``Task`` becomes a procrastinate task whose retries follow
the task's ``Backoff``; every ``Periodic`` a cron-scheduled task; and one periodic task
feeds outbox events to the subscribers through the core's own dispatcher (its delivery
table keeps each event's delivery exactly-once-claimed across workers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from core.clock import Clock
from core.jobqueue.dispatch import EventDispatcher
from core.jobs import Backoff, Jobs, Periodic, Task
from core.persistence.database import Database

DISPATCH_TASK = "teller.events.dispatch"
DISPATCH_EVERY = timedelta(seconds=5)
_LEASE = timedelta(minutes=5)


def open_app(conninfo: str) -> procrastinate.App:
    """A procrastinate app on ``conninfo`` (a libpq URL); open it before use."""
    return procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo))


class ProcrastinateQueue:
    """:class:`core.jobs.JobQueue` on procrastinate."""

    def __init__(self, app: procrastinate.App) -> None:
        self._app = app

    async def defer(
        self,
        task: str,
        payload: Mapping[str, Any],
        *,
        key: str | None = None,
        delay: timedelta | None = None,
    ) -> None:
        schedule_in = {"seconds": int(delay.total_seconds())} if delay else None
        deferrer = self._app.configure_task(task, queueing_lock=key, schedule_in=schedule_in)
        # The same key already waiting: this deferral is covered.
        with contextlib.suppress(AlreadyEnqueued):
            await deferrer.defer_async(payload=dict(payload))


class BackoffStrategy(BaseRetryStrategy):
    """Procrastinate retries following a task's :class:`core.jobs.Backoff`."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        failures = job.attempts + 1  # procrastinate counts earlier attempts only
        if failures >= self.backoff.attempts:
            return None
        return RetryDecision(
            retry_in={"seconds": int(self.backoff.delay(failures).total_seconds())}
        )


def cron_of(every: timedelta) -> str:
    """A cron line (with procrastinate's optional seconds column) running every ``every``.

    Only periods cron can express evenly are accepted: seconds dividing a minute, minutes
    dividing an hour, hours dividing a day, or one day.
    """
    seconds = int(every.total_seconds())
    if seconds != every.total_seconds() or seconds <= 0:
        raise ValueError(f"a period of whole seconds is needed, not {every}")
    if seconds < 60 and 60 % seconds == 0:
        return f"* * * * * */{seconds}"
    minutes, rest = divmod(seconds, 60)
    if not rest and minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *"
    hours, rest = divmod(seconds, 3600)
    if not rest and hours < 24 and 24 % hours == 0:
        return f"0 */{hours} * * *"
    if seconds == 86_400:
        return "0 0 * * *"
    raise ValueError(f"cron cannot run a job evenly every {every}")


def register(app: procrastinate.App, jobs: Jobs, db: Database, clock: Clock) -> None:
    """Declare the bank's jobs to procrastinate (in every process that defers or works)."""
    for task in jobs.tasks:
        _register_task(app, task)
    for periodic in jobs.periodic:
        _register_periodic(app, periodic)
    if jobs.subscribers:
        dispatcher = EventDispatcher(db, clock, jobs.subscribers, batch=50, lease=_LEASE)

        async def dispatch(timestamp: int) -> None:
            while await dispatcher.run_once():
                pass

        dispatch_task = app.task(name=DISPATCH_TASK, pass_context=False)(dispatch)
        app.periodic(cron=cron_of(DISPATCH_EVERY))(dispatch_task)


def _register_task(app: procrastinate.App, task: Task) -> None:
    handler = task.handler

    async def run(payload: dict[str, Any]) -> None:
        await handler(payload)

    app.task(name=task.name, retry=BackoffStrategy(task.backoff), pass_context=False)(run)


def _register_periodic(app: procrastinate.App, periodic: Periodic) -> None:
    handler = periodic.handler

    async def run(timestamp: int) -> None:
        await handler(datetime.fromtimestamp(timestamp, UTC))

    task = app.task(name=f"teller.periodic.{periodic.name}", pass_context=False)(run)
    app.periodic(cron=cron_of(periodic.every))(task)
