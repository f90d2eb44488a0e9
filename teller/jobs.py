"""Background jobs: in-process in ``teller serve``, or alone in ``teller worker``.

Two loops: the hold expiry, and the job runner that runs everything the bank's parts
declare (``Bank.jobs()``: deferred jobs, periodic jobs, event subscribers) from the
durable queue in the bank's database.
"""

from __future__ import annotations

import asyncio
import contextlib

import procrastinate
import structlog

from core.actors import SYSTEM
from core.bank import Bank
from core.jobqueue.runner import JobRunner
from teller.wiring import Container

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
    container: Container, hold_expiry_interval: float, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """Start the background loops until ``stop``; the caller awaits the returned tasks."""
    bank = container.bank
    loops = [asyncio.create_task(expire_holds_forever(bank, hold_expiry_interval, stop))]
    if container.procrastinate is not None:
        loops.append(asyncio.create_task(_procrastinate_worker(container.procrastinate, stop)))
    else:
        runner = JobRunner(bank.db, bank.clock, container.jobs())
        loops.append(asyncio.create_task(runner.run_forever(stop)))
    return loops


async def _procrastinate_worker(app: procrastinate.App, stop: asyncio.Event) -> None:
    """A procrastinate worker until ``stop`` (then it finishes its running jobs)."""
    worker = asyncio.create_task(app.run_worker_async(install_signal_handlers=False))
    await stop.wait()
    worker.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker
