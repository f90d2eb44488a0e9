"""The background jobs that ``teller serve`` and ``teller worker`` run."""

from __future__ import annotations

import asyncio

from core.actors import SYSTEM
from core.bank import Bank
from core.ledger.commands import PlaceHold
from core.ledger.model import HoldStatus
from teller.jobs import expire_holds_forever
from tests.fakes import MutableClock
from tests.integration.helpers import funded_account


async def test_the_expiry_job_releases_due_holds_until_stopped(
    bank: Bank, clock: MutableClock
) -> None:
    a = await funded_account(bank, 1_000)
    m = await funded_account(bank)
    hold = await bank.ledger.place_hold(
        PlaceHold("h", a.id, m.id, 300, "EUR", ttl_seconds=30), SYSTEM
    )
    clock.advance(seconds=31)
    stop = asyncio.Event()
    job = asyncio.create_task(expire_holds_forever(bank, 0.01, stop))
    for _ in range(200):
        if (await bank.ledger.hold(hold.id)).status is HoldStatus.EXPIRED:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(job, timeout=5)
    assert (await bank.ledger.hold(hold.id)).status is HoldStatus.EXPIRED
    assert (await bank.ledger.balance(a.id)).available == 1_000
