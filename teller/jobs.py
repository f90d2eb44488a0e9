"""Background jobs: in-process in ``teller serve``, or alone in ``teller worker``."""

from __future__ import annotations

import asyncio

import structlog

from core.actors import SYSTEM
from core.bank import Bank

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
