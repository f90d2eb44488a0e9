"""Background jobs: in-process in ``teller serve``, or alone in ``teller worker``.

Two loops: the hold expiry, and the job runner that runs everything the bank's parts
declare (``Bank.jobs()``: deferred jobs, periodic jobs, event subscribers) from the
durable queue in the bank's database.
"""

from __future__ import annotations

import asyncio

import structlog

from core.actors import SYSTEM
from core.bank import Bank
from core.jobqueue.runner import JobRunner

log = structlog.get_logger(__name__)


async def expire_holds_forever(bank: Bank, interval: float, stop: asyncio.Event) -> None:
    """Expire pending holds past their time, every ``interval`` seconds until ``stop``."""
    while not stop.is_set():
        try:
            expired = await bank.ledger.expire_holds(SYSTEM)
            if expired:
                log.info("expired holds", count=expired)
        except Exception:
            # A failed round is logged and retried next round; the job must not die.
            log.exception("hold expiry failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            continue


def background_jobs(
    bank: Bank, hold_expiry_interval: float, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """Start the background loops until ``stop``; the caller awaits the returned tasks."""
    runner = JobRunner(bank.db, bank.clock, bank.jobs())
    return [
        asyncio.create_task(expire_holds_forever(bank, hold_expiry_interval, stop)),
        asyncio.create_task(runner.run_forever(stop)),
    ]
