"""``SqlJobQueue``: deferring a job is inserting a row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from core.clock import Clock
from core.jobqueue.tables import UNFINISHED, jobs
from core.persistence.database import Database

QUEUED, RUNNING, DONE, DEAD = "queued", "running", "done", "dead"


class SqlJobQueue:
    """:class:`core.jobs.JobQueue` on the bank's database; :class:`JobRunner` runs it."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def defer(
        self,
        task: str,
        payload: Mapping[str, Any],
        *,
        key: str | None = None,
        delay: timedelta | None = None,
    ) -> None:
        now = self._clock.now()
        dialect = postgresql if self._db.is_postgres else sqlite
        statement = (
            dialect.insert(jobs)
            .values(
                task=task,
                payload=dict(payload),
                key=key,
                status=QUEUED,
                attempts=0,
                run_at=now + (delay or timedelta()),
                created_at=now,
                updated_at=now,
            )
            # A key still queued or running: this deferral is already covered.
            .on_conflict_do_nothing(
                # The partial index's own predicate, as text: bound parameters would not
                # match it once PostgreSQL switches to a generic plan.
                index_elements=[jobs.c.key],
                index_where=UNFINISHED,
            )
        )
        async with self._db.transaction() as conn:
            await conn.execute(statement)
