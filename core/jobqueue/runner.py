"""``JobRunner``: runs what is due in the durable queue — deferred jobs, periodic jobs and
event deliveries — in this process, alongside any number of other runners.

Runners on other replicas may poll the same tables: a deferred job is claimed by moving it
to ``running`` with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has a single
writer), a periodic run by advancing its schedule, an event by inserting its delivery.
A runner that dies mid-job leaves a lease that expires; the job then runs again, which is
why every handler is idempotent.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.clock import Clock
from core.jobqueue.dispatch import EventDispatcher
from core.jobqueue.queue import DEAD, DONE, QUEUED, RUNNING
from core.jobqueue.tables import job_schedules, jobs
from core.jobs import Jobs, Periodic, Task
from core.persistence.database import Database

log = structlog.get_logger(__name__)

LEASE = timedelta(minutes=5)
KEEP_FINISHED = timedelta(days=7)
_ERROR_LENGTH = 200


def error_text(exc: BaseException) -> str:
    """What is kept of a failure: its type only, since messages may quote customer data."""
    return type(exc).__name__[:_ERROR_LENGTH]


class JobRunner:
    """Runs ``jobs``' due work from the database; see the module docstring."""

    def __init__(
        self, db: Database, clock: Clock, jobs_: Jobs, *, batch: int = 20, lease: timedelta = LEASE
    ) -> None:
        self._db = db
        self._clock = clock
        self._tasks = {task.name: task for task in jobs_.tasks}
        self._periodic = list(jobs_.periodic)
        self._batch = batch
        self._lease = lease
        self._events = EventDispatcher(db, clock, jobs_.subscribers, batch=batch, lease=lease)
        self._scheduled = False
        self._next_periodic: datetime | None = None  # no periodic run is due before

    async def run_once(self) -> int:
        """Run everything due now; returns how many handlers ran."""
        ran = await self._run_periodic()
        ran += await self._run_jobs()
        ran += await self._events.run_once()
        return ran

    async def run_until_idle(self, *, rounds: int = 100) -> int:
        """Run until nothing is due (jobs may defer jobs); for tests and tools."""
        total = 0
        for _ in range(rounds):
            ran = await self.run_once()
            total += ran
            if not ran:
                break
        return total

    async def run_forever(self, stop: asyncio.Event, *, idle: float = 1.0) -> None:
        """Poll until ``stop``: at once after a busy round, after ``idle`` seconds otherwise."""
        while not stop.is_set():
            try:
                ran = await self.run_once()
                if not ran:
                    await self._cleanup()
            except Exception:
                # The runner must not die: the failure is logged and the round retried.
                log.exception("job runner round failed")
                ran = 0
            if ran:
                continue
            try:
                await asyncio.wait_for(stop.wait(), timeout=idle)
            except TimeoutError:
                continue

    # -- periodic ----------------------------------------------------------------------

    async def _run_periodic(self) -> int:
        if not self._periodic:
            return 0
        now = self._clock.now()
        if not self._scheduled:
            await self._ensure_schedules(now)
            self._scheduled = True
        if self._next_periodic is not None and now < self._next_periodic:
            return 0  # nothing can be due yet: no transaction at all
        # One read finds the due ones; only those are claimed, each in its own write.
        async with self._db.read() as conn:
            schedule = {
                row.name: row.next_run_at
                for row in await conn.execute(
                    select(job_schedules.c.name, job_schedules.c.next_run_at).where(
                        job_schedules.c.name.in_([job.name for job in self._periodic])
                    )
                )
            }
        later = [at for at in schedule.values() if at is not None and at > now]
        # Schedules only move forward (each claim advances one), so until the earliest
        # next run no schedule can be due; a missing one is created due now.
        complete = len(schedule) == len(self._periodic)
        self._next_periodic = min(later) if later and complete else None
        ran = 0
        for job in self._periodic:
            next_run = schedule.get(job.name)
            if next_run is not None and next_run > now:
                continue
            self._next_periodic = None  # its schedule moves: read them all again next time
            due = await self._claim_periodic(job, now)
            if due is None:
                continue
            ran += 1
            try:
                await job.handler(due)
            except Exception as exc:
                # Its next run comes at the next period; nothing is lost by waiting.
                log.warning("periodic job failed", job=job.name, error=error_text(exc))
        return ran

    async def _ensure_schedules(self, now: datetime) -> None:
        dialect = postgresql if self._db.is_postgres else sqlite
        async with self._db.transaction() as conn:
            for job in self._periodic:
                await conn.execute(
                    dialect.insert(job_schedules)
                    .values(name=job.name, next_run_at=now)
                    .on_conflict_do_nothing(index_elements=[job_schedules.c.name])
                )

    async def _claim_periodic(self, job: Periodic, now: datetime) -> datetime | None:
        """The time the run was due, if this runner claimed it."""
        async with self._db.transaction() as conn:
            due = (
                await conn.execute(
                    select(job_schedules.c.next_run_at).where(job_schedules.c.name == job.name)
                )
            ).scalar_one_or_none()
            if due is None or due > now:
                return None
            # A runner that was down for several periods runs once, not once per period:
            # the next run is the first slot after now.
            periods = (now - due) // job.every + 1
            claimed = await conn.execute(
                update(job_schedules)
                .where(job_schedules.c.name == job.name, job_schedules.c.next_run_at == due)
                .values(next_run_at=due + periods * job.every)
            )
            return due if claimed.rowcount == 1 else None

    # -- deferred jobs -----------------------------------------------------------------

    async def _run_jobs(self) -> int:
        claimed = await self._claim_jobs()
        for row in claimed:
            await self._run_job(row)
        return len(claimed)

    async def _claim_jobs(self) -> list[Any]:
        now = self._clock.now()
        known = list(self._tasks)
        due = or_(
            and_(jobs.c.status == QUEUED, jobs.c.run_at <= now),
            and_(jobs.c.status == RUNNING, jobs.c.locked_until < now),  # a dead runner's
        )
        pick = (
            select(jobs.c.id)
            .where(due, jobs.c.task.in_(known))
            .order_by(jobs.c.run_at)
            .limit(self._batch)
            .with_for_update(skip_locked=True)
        )
        if not self._db.is_postgres:
            # SQLite has one writer: an idle round looks first, in a read that never
            # waits for it, and only takes the write lock when a job is due.
            async with self._db.read() as conn:
                waiting = select(jobs.c.id).where(due, jobs.c.task.in_(known)).limit(1)
                if (await conn.execute(waiting)).first() is None:
                    return []
        async with self._db.transaction() as conn:
            rows = (
                await conn.execute(
                    update(jobs)
                    .where(jobs.c.id.in_(pick.scalar_subquery()), due)
                    .values(
                        status=RUNNING,
                        attempts=jobs.c.attempts + 1,
                        locked_until=now + self._lease,
                        updated_at=now,
                    )
                    .returning(jobs.c.id, jobs.c.task, jobs.c.payload, jobs.c.attempts)
                )
            ).all()
        return list(rows)

    async def _run_job(self, row: Any) -> None:
        task: Task = self._tasks[row.task]
        try:
            await task.handler(row.payload)
        except Exception as exc:
            await self._failed(row, task, exc)
            return
        await self._finish(row.id, status=DONE)

    async def _failed(self, row: Any, task: Task, exc: BaseException) -> None:
        error = error_text(exc)
        if row.attempts >= task.backoff.attempts:
            log.error("job failed for the last time", task=task.name, job=row.id, error=error)
            await self._finish(row.id, status=DEAD, error=error)
            return
        retry_at = self._clock.now() + task.backoff.delay(row.attempts)
        log.warning("job failed; retrying", task=task.name, job=row.id, error=error)
        async with self._db.transaction() as conn:
            await conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id)
                .values(
                    status=QUEUED,
                    run_at=retry_at,
                    locked_until=None,
                    last_error=error,
                    updated_at=self._clock.now(),
                )
            )

    async def _finish(self, job_id: int, *, status: str, error: str | None = None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id)
                .values(
                    status=status,
                    locked_until=None,
                    last_error=error,
                    updated_at=self._clock.now(),
                )
            )

    async def _cleanup(self) -> None:
        """Forget finished jobs and deliveries after a while (dead ones stay for staff)."""
        before = self._clock.now() - KEEP_FINISHED
        async with self._db.transaction() as conn:
            await conn.execute(
                delete(jobs).where(jobs.c.status == DONE, jobs.c.updated_at < before)
            )
        await self._events.cleanup(before)

    async def dead_jobs(self) -> list[tuple[str, str | None]]:
        """(task, last error) of jobs that failed every attempt, for staff and tests."""
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(jobs.c.task, jobs.c.last_error).where(jobs.c.status == DEAD)
                )
            ).all()
        return [(r.task, r.last_error) for r in rows]
