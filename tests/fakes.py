"""Fakes at the edges: a clock the tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.bank import Bank
from core.jobs import MemoryQueue


class MutableClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


async def run_jobs(bank: Bank) -> int:
    """Run every background job of ``bank`` that is due (its queue must be a MemoryQueue)."""
    assert isinstance(bank.queue, MemoryQueue)
    return await bank.queue.run_due(bank.jobs())
