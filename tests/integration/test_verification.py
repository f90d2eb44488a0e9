"""``ledger verify`` and ``audit verify`` catch what they should."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from core.actors import SYSTEM
from core.bank import Bank
from core.ledger.commands import Transfer
from core.persistence.tables import accounts, audit_head, audit_log, postings
from tests.integration.helpers import funded_account

# These tests edit the tables behind the bank's back, so the usual check after each test
# (that every invariant still holds) does not apply.
pytestmark = pytest.mark.tampers


async def _bank_with_history(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    for i in range(3):
        await bank.ledger.transfer(Transfer(f"t{i}", a.id, b.id, 10, "EUR"), SYSTEM)


async def test_an_edited_balance_is_reported(bank: Bank) -> None:
    await _bank_with_history(bank)
    assert (await bank.verify_ledger()).ok
    async with bank.db.transaction() as conn:
        await conn.execute(
            update(accounts)
            .where(accounts.c.kind == "customer")
            .values(balance=accounts.c.balance + 1)
        )
    report = await bank.verify_ledger()
    assert not report.ok
    assert any("postings sum to" in p for p in report.problems)
    assert any("sum to" in p and "not 0" in p for p in report.problems)


async def test_an_edited_posting_is_reported(bank: Bank) -> None:
    await _bank_with_history(bank)
    async with bank.db.transaction() as conn:
        await conn.execute(update(postings).where(postings.c.id == 3).values(amount=-11))
    problems = (await bank.verify_ledger()).problems
    assert any("postings sum to -1, not 0" in p for p in problems)
    assert any("running balance" in p for p in problems)


async def _record(bank: Bank, offset: int) -> tuple[int, int]:
    """(chain, seq) of the record written ``offset``-th (0-based)."""
    async with bank.db.read() as conn:
        row = (
            await conn.execute(
                select(audit_log.c.chain, audit_log.c.seq)
                .order_by(audit_log.c.id)
                .offset(offset)
                .limit(1)
            )
        ).one()
    return int(row.chain), int(row.seq)


async def _newest_of_a_long_chain(bank: Bank) -> tuple[int, int]:
    """A chain with at least two records, and its newest seq."""
    async with bank.db.read() as conn:
        row = (
            await conn.execute(
                select(audit_log.c.chain, func.max(audit_log.c.seq).label("seq"))
                .group_by(audit_log.c.chain)
                .having(func.count() >= 2)
                .order_by(audit_log.c.chain)
                .limit(1)
            )
        ).one()
    return int(row.chain), int(row.seq)


async def test_an_edited_audit_record_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    assert (await bank.verify_audit()).ok
    chain, seq = await _record(bank, 2)
    async with bank.db.transaction() as conn:
        await conn.execute(
            update(audit_log)
            .where(audit_log.c.chain == chain, audit_log.c.seq == seq)
            .values(actor="someone-else")
        )
    report = await bank.verify_audit()
    assert report.problems == [f"chain {chain} record {seq}: content does not match its hash"]


async def test_a_removed_audit_record_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    chain, newest = await _newest_of_a_long_chain(bank)
    async with bank.db.transaction() as conn:
        await conn.execute(
            delete(audit_log).where(audit_log.c.chain == chain, audit_log.c.seq == newest - 1)
        )
    problems = (await bank.verify_audit()).problems
    assert f"chain {chain}: records {newest - 1}..{newest - 1} are missing" in problems
    assert f"chain {chain} record {newest}: link to the previous record is broken" in problems


async def test_removing_the_newest_audit_records_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    chain, newest = await _newest_of_a_long_chain(bank)
    async with bank.db.transaction() as conn:
        await conn.execute(
            delete(audit_log).where(audit_log.c.chain == chain, audit_log.c.seq == newest)
        )
    problems = (await bank.verify_audit()).problems
    assert len(problems) == 1
    assert problems[0].startswith(f"chain {chain}: the head")


async def test_a_rewritten_chain_head_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    async with bank.db.transaction() as conn:
        await conn.execute(update(audit_head).where(audit_head.c.id == 5).values(hash="f" * 64))
    assert not (await bank.verify_audit()).ok


async def test_records_spread_over_several_chains(bank: Bank) -> None:
    await _bank_with_history(bank)
    async with bank.db.read() as conn:
        chains = (
            await conn.execute(select(func.count(func.distinct(audit_log.c.chain))))
        ).scalar_one()
    assert chains > 1
    report = await bank.verify_audit()
    assert report.ok
    assert report.chains == 64
