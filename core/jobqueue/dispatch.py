"""Feeding committed outbox events to ``core.jobs.Subscriber``s, each at its own pace.

Every subscriber scans the outbox for its event types from its *low water* (the id up to
which all of its events are finished). An event is claimed by inserting its delivery row,
so two runners never handle it at once; a failure is retried with the subscriber's
back-off without holding up later events; the last failure marks it dead for staff.

Ids are allocated when a transaction inserts, but transactions commit in any order: an
event with a smaller id can become visible after a larger one. So the low water never
passes an event younger than ``grace`` — by then any transaction that allocated a smaller
id has long committed or rolled back (the core's transactions last milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.clock import Clock
from core.jobqueue.tables import event_deliveries, subscriber_positions
from core.jobs import Event, Subscriber
from core.persistence.database import Database
from core.persistence.tables import events

log = structlog.get_logger(__name__)

RUNNING, DONE, FAILED, DEAD = "running", "done", "failed", "dead"
GRACE = timedelta(seconds=60)


class EventDispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        subscribers: Sequence[Subscriber],
        *,
        batch: int,
        lease: timedelta,
        grace: timedelta = GRACE,
    ) -> None:
        self._db = db
        self._clock = clock
        self._subscribers = list(subscribers)
        self._batch = batch
        self._lease = lease
        self._grace = grace

    async def run_once(self) -> int:
        ran = 0
        for subscriber in self._subscribers:
            ran += await self._deliver(subscriber)
        return ran

    async def _deliver(self, subscriber: Subscriber) -> int:
        now = self._clock.now()
        low = await self._low_water(subscriber)
        d = event_deliveries.c
        settled = exists().where(
            d.subscriber == subscriber.name,
            d.event_id == events.c.id,
            or_(
                d.status.in_((DONE, DEAD)),
                and_(d.status == FAILED, d.next_attempt_at > now),
                and_(d.status == RUNNING, d.locked_until > now),
            ),
        )
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(events)
                    .where(events.c.type.in_(subscriber.types), events.c.id > low, ~settled)
                    .order_by(events.c.id)
                    .limit(self._batch)
                )
            ).all()
        ran = 0
        for row in rows:
            attempts = await self._claim(subscriber, int(row.id), now)
            if attempts is None:
                continue  # another runner has it
            ran += 1
            await self._handle(subscriber, row, attempts)
        await self._advance(subscriber, low)
        return ran

    async def _claim(self, subscriber: Subscriber, event_id: int, now: datetime) -> int | None:
        """The attempt number, if this runner now holds the delivery."""
        d = event_deliveries
        dialect = postgresql if self._db.is_postgres else sqlite
        async with self._db.transaction() as conn:
            inserted = await conn.execute(
                dialect.insert(d)
                .values(
                    subscriber=subscriber.name,
                    event_id=event_id,
                    status=RUNNING,
                    attempts=1,
                    locked_until=now + self._lease,
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=[d.c.subscriber, d.c.event_id])
            )
            if inserted.rowcount == 1:
                return 1
            retried = (
                await conn.execute(
                    update(d)
                    .where(
                        d.c.subscriber == subscriber.name,
                        d.c.event_id == event_id,
                        or_(
                            and_(d.c.status == FAILED, d.c.next_attempt_at <= now),
                            and_(d.c.status == RUNNING, d.c.locked_until <= now),
                        ),
                    )
                    .values(
                        status=RUNNING,
                        attempts=d.c.attempts + 1,
                        locked_until=now + self._lease,
                        updated_at=now,
                    )
                    .returning(d.c.attempts)
                )
            ).scalar_one_or_none()
        return None if retried is None else int(retried)

    async def _handle(self, subscriber: Subscriber, row: Any, attempts: int) -> None:
        event = Event(int(row.id), row.type, row.aggregate_id, dict(row.payload), row.occurred_at)
        values: dict[str, Any]
        try:
            await subscriber.handler(event)
            values = {"status": DONE, "last_error": None}
        except Exception as exc:
            error = type(exc).__name__
            if attempts >= subscriber.backoff.attempts:
                log.error(
                    "event delivery failed for the last time",
                    subscriber=subscriber.name,
                    event_id=event.id,
                    error=error,
                )
                values = {"status": DEAD, "last_error": error}
            else:
                log.warning(
                    "event delivery failed; retrying",
                    subscriber=subscriber.name,
                    event_id=event.id,
                    error=error,
                )
                retry_at = self._clock.now() + subscriber.backoff.delay(attempts)
                values = {"status": FAILED, "next_attempt_at": retry_at, "last_error": error}
        async with self._db.transaction() as conn:
            await conn.execute(
                update(event_deliveries)
                .where(
                    event_deliveries.c.subscriber == subscriber.name,
                    event_deliveries.c.event_id == event.id,
                )
                .values(locked_until=None, updated_at=self._clock.now(), **values)
            )

    async def _low_water(self, subscriber: Subscriber) -> int:
        async with self._db.read() as conn:
            low = (
                await conn.execute(
                    select(subscriber_positions.c.low_water).where(
                        subscriber_positions.c.subscriber == subscriber.name
                    )
                )
            ).scalar_one_or_none()
        return int(low or 0)

    async def _advance(self, subscriber: Subscriber, low: int) -> None:
        """Move the low water up to just before the first unfinished event, but never past
        an event younger than the grace period (see the module docstring)."""
        d = event_deliveries.c
        finished = exists().where(
            d.subscriber == subscriber.name,
            d.event_id == events.c.id,
            d.status.in_((DONE, DEAD)),
        )
        cutoff = self._clock.now() - self._grace
        async with self._db.read() as conn:
            first_open = (
                await conn.execute(
                    select(func.min(events.c.id)).where(
                        events.c.type.in_(subscriber.types), events.c.id > low, ~finished
                    )
                )
            ).scalar_one_or_none()
            settled_up_to = (
                await conn.execute(
                    select(func.max(events.c.id)).where(
                        events.c.id > low, events.c.occurred_at <= cutoff
                    )
                )
            ).scalar_one_or_none()
        new_low = int(settled_up_to) if settled_up_to is not None else low
        if first_open is not None:
            new_low = min(new_low, int(first_open) - 1)
        if new_low <= low:
            return
        dialect = postgresql if self._db.is_postgres else sqlite
        statement = dialect.insert(subscriber_positions).values(
            subscriber=subscriber.name, low_water=new_low
        )
        async with self._db.transaction() as conn:
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[subscriber_positions.c.subscriber],
                    set_={"low_water": new_low},
                    where=subscriber_positions.c.low_water < new_low,
                )
            )

    async def cleanup(self, before: datetime) -> None:
        """Forget finished deliveries below each subscriber's low water."""
        for subscriber in self._subscribers:
            low = await self._low_water(subscriber)
            async with self._db.transaction() as conn:
                await conn.execute(
                    delete(event_deliveries).where(
                        event_deliveries.c.subscriber == subscriber.name,
                        event_deliveries.c.event_id <= low,
                        event_deliveries.c.status == DONE,
                        event_deliveries.c.updated_at < before,
                    )
                )
