"""``ledger verify`` and ``audit verify`` catch what they should."""

from __future__ import annotations

from sqlalchemy import delete, update

from core.actors import SYSTEM
from core.bank import Bank
from core.ledger.commands import Transfer
from core.persistence.tables import accounts, audit_head, audit_log, postings
from tests.integration.helpers import funded_account


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


async def test_an_edited_audit_record_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    assert (await bank.verify_audit()).ok
    async with bank.db.transaction() as conn:
        await conn.execute(
            update(audit_log).where(audit_log.c.seq == 3).values(actor="someone-else")
        )
    report = await bank.verify_audit()
    assert report.problems == ["record 3: content does not match its hash"]


async def test_a_removed_audit_record_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    async with bank.db.transaction() as conn:
        await conn.execute(delete(audit_log).where(audit_log.c.seq == 4))
    problems = (await bank.verify_audit()).problems
    assert "records 4..4 are missing" in problems
    assert "record 5: link to the previous record is broken" in problems


async def test_removing_the_newest_audit_records_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    async with bank.db.transaction() as conn:
        await conn.execute(delete(audit_log).where(audit_log.c.seq >= 6))
    problems = (await bank.verify_audit()).problems
    assert len(problems) == 1
    assert "chain head" in problems[0]


async def test_a_rewritten_chain_without_the_head_is_detected(bank: Bank) -> None:
    await _bank_with_history(bank)
    async with bank.db.transaction() as conn:
        await conn.execute(update(audit_head).values(hash="f" * 64))
    assert not (await bank.verify_audit()).ok
