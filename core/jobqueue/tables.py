"""Tables of the durable job queue (see ``core.jobqueue``)."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, text

from core.persistence.tables import metadata
from core.persistence.types import BigIntPK, UtcDateTime

# One row per deferred run. ``status``: queued → running → done, or back to queued after
# a failure (``run_at`` then is the retry time), or dead after the last attempt.
jobs = Table(
    "jobs",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("task", String(80), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("key", String(200)),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("run_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),  # a running job's lease; past it, it runs again
    Column("last_error", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_jobs_due", jobs.c.status, jobs.c.run_at)
# A key is queued at most once at a time; finished jobs free it.
UNFINISHED = text("status IN ('queued', 'running')")
Index(
    "uq_jobs_key_unfinished",
    jobs.c.key,
    unique=True,
    sqlite_where=UNFINISHED,
    postgresql_where=UNFINISHED,
)

# One row per periodic job: when it is next due. Advancing it is how one runner among
# several claims a run.
job_schedules = Table(
    "job_schedules",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("next_run_at", UtcDateTime, nullable=False),
)

# One row per (subscriber, event) delivery attempted: claimed by inserting it, done or
# failed (retried at ``next_attempt_at``) or dead after the last attempt.
event_deliveries = Table(
    "event_deliveries",
    metadata,
    Column("subscriber", String(80), primary_key=True),
    Column("event_id", BigInteger, primary_key=True),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("locked_until", UtcDateTime),
    Column("last_error", String(200)),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Per subscriber, the event id up to which every event of its types is finished: where
# the next scan starts.
subscriber_positions = Table(
    "subscriber_positions",
    metadata,
    Column("subscriber", String(80), primary_key=True),
    Column("low_water", BigInteger, nullable=False),
)
