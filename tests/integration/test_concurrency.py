"""Money under concurrency, on real PostgreSQL (row locks, unique indexes, READ COMMITTED)."""

from __future__ import annotations

import asyncio
import random
import time
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from core.actors import SYSTEM
from core.bank import Bank
from core.errors import CoreError
from core.ledger.commands import Transfer
from core.ledger.errors import InsufficientFunds
from core.ledger.model import AccountKind
from core.persistence.tables import accounts, entries
from tests.integration.helpers import balance_of, funded_account

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


async def test_100_concurrent_transfers_never_overdraw_one_account(bank: Bank) -> None:
    source = await funded_account(bank, 5_000)
    sinks = [await funded_account(bank) for _ in range(10)]

    async def send(i: int) -> bool:
        try:
            await bank.ledger.transfer(
                Transfer(f"drain-{i}", source.id, sinks[i % 10].id, 100, "EUR"), SYSTEM
            )
            return True
        except InsufficientFunds:
            return False

    results = await asyncio.gather(*(send(i) for i in range(100)))
    assert sum(results) == 50
    assert await balance_of(bank, source.id) == 0
    assert sum([await balance_of(bank, s.id) for s in sinks]) == 5_000
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def test_20_concurrent_requests_with_one_key_make_exactly_one_entry(bank: Bank) -> None:
    a = await funded_account(bank, 10_000)
    b = await funded_account(bank)
    before = await bank.verify_ledger()
    command = Transfer("one-key", a.id, b.id, 700, "EUR")
    results = await asyncio.gather(*(bank.ledger.transfer(command, SYSTEM) for _ in range(20)))
    assert len({r.id for r in results}) == 1
    assert await balance_of(bank, b.id) == 700
    after = await bank.verify_ledger()
    assert after.entries == before.entries + 1


async def test_bank_workload_keeps_the_total_constant_at_every_read(bank: Bank) -> None:
    """Jepsen's "bank" test: concurrent transfers and concurrent full reads.

    Every read sees all customer balances in one statement (one snapshot); each must sum to
    the initial total and show no negative balance.
    """
    n_accounts, initial = 12, 1_000
    ids = [(await funded_account(bank, initial)).id for _ in range(n_accounts)]
    total = n_accounts * initial
    deadline = time.monotonic() + 3.0
    rng = random.Random(7)
    transfers = rejections = reads = 0

    async def writer() -> None:
        nonlocal transfers, rejections
        while time.monotonic() < deadline:
            src, dst = rng.sample(ids, 2)
            try:
                await bank.ledger.transfer(
                    Transfer(uuid4().hex, src, dst, rng.randint(1, 400), "EUR"), SYSTEM
                )
                transfers += 1
            except CoreError:
                rejections += 1

    async def reader() -> None:
        nonlocal reads
        while time.monotonic() < deadline:
            async with bank.db.read() as conn:
                rows = (
                    (
                        await conn.execute(
                            select(accounts.c.balance).where(
                                accounts.c.kind == AccountKind.CUSTOMER.value
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
            assert sum(rows) == total
            assert min(rows) >= 0
            reads += 1
            await asyncio.sleep(0)

    await asyncio.gather(*(writer() for _ in range(8)), *(reader() for _ in range(3)))
    assert transfers > 50
    assert reads > 20
    async with bank.db.read() as conn:
        count = (await conn.execute(select(func.count()).select_from(entries))).scalar_one()
    assert count == n_accounts + transfers
    report = await bank.verify_ledger()
    assert report.ok, report.problems
    assert (await bank.verify_audit()).ok
