"""The ledger store's contract, on both backends: claims that lock, the lock cache, entries
written with or without an audit record after them."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from core.audit.chain import AuditRecord, chain_of
from core.bank import Bank
from core.ledger.errors import AccountNotFound
from core.ledger.model import EntryKind, PostingDraft, apply_postings
from core.ledger.store import LedgerStore, NewEntry, open_store
from core.persistence.tables import audit_head, audit_log, entries
from tests.integration.helpers import balance_of, funded_account

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


async def _claim(store: LedgerStore, key: str, lock: tuple[UUID, ...]) -> tuple[bool, UUID]:
    claim = await store.claim_key(
        scope="test",
        key=key,
        command="transfer",
        fingerprint="f" * 64,
        resource_id=uuid4(),
        at=AT,
        lock=lock,
    )
    return claim.is_new, claim.resource_id


async def _move(store: LedgerStore, entry_id: UUID, source: UUID, dest: UUID) -> NewEntry:
    states = await store.lock_accounts((source, dest))
    new_states, legs = apply_postings(
        states, [PostingDraft(source, -100, "EUR"), PostingDraft(dest, 100, "EUR")]
    )
    entry = NewEntry(
        entry_id=entry_id,
        kind=EntryKind.TRANSFER,
        description="store test",
        actor="test",
        legs=legs,
        states=list(new_states.values()),
        event_type="money.transferred",
        event_payload={"entry_id": str(entry_id)},
    )
    await store.write_entry(entry, AT)
    return entry


async def test_a_claim_that_locks_hands_the_states_to_lock_accounts(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    async with open_store(bank.db) as store:
        is_new, _ = await _claim(store, "k1", (b.id, a.id))
        assert is_new
        states = await store.lock_accounts((a.id, b.id))
        assert (states[a.id].balance, states[b.id].balance) == (1_000, 0)


async def test_a_locked_account_comes_back_as_the_transaction_last_wrote_it(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    async with open_store(bank.db) as store:
        await _claim(store, "k1", (a.id, b.id))
        await _move(store, uuid4(), a.id, b.id)
        again = await store.lock_accounts((a.id, b.id))
        assert (again[a.id].balance, again[b.id].balance) == (900, 100)
        await _move(store, uuid4(), a.id, b.id)
    assert (await balance_of(bank, a.id), await balance_of(bank, b.id)) == (800, 200)
    assert (await bank.verify_ledger()).ok


async def test_a_used_key_locks_nothing_and_returns_its_first_resource(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    async with open_store(bank.db) as store:
        _, first = await _claim(store, "k1", (a.id,))
    async with open_store(bank.db) as store:
        is_new, resource = await _claim(store, "k1", (a.id,))
    assert (is_new, resource) == (False, first)


async def test_an_unknown_account_in_a_claim_is_reported_by_lock_accounts(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    missing = uuid4()
    async with open_store(bank.db) as store:
        is_new, _ = await _claim(store, "k1", (a.id, missing))
        assert is_new
        with pytest.raises(AccountNotFound):
            await store.lock_accounts((a.id, missing))


async def test_an_entry_with_no_audit_after_it_is_still_written(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    entry_id = uuid4()
    async with open_store(bank.db) as store:
        await _move(store, entry_id, a.id, b.id)
    async with bank.db.read() as conn:
        assert (await conn.execute(select(entries.c.id).where(entries.c.id == entry_id))).one()
    assert await balance_of(bank, b.id) == 100


async def test_an_entry_and_its_audit_record_are_written_together(bank: Bank) -> None:
    a = await funded_account(bank, 1_000)
    b = await funded_account(bank)
    record = AuditRecord(AT, "test", "transfer", f"account:{a.id}", "ok", {"note": "Čáska ✓"})
    async with open_store(bank.db) as store:
        await _move(store, uuid4(), a.id, b.id)
        seq = await store.append_audit(record)
        await store.append_audit(record)  # a second record on the same chain links to it
    chain = chain_of(record.target)
    async with bank.db.read() as conn:
        rows = (
            await conn.execute(
                select(audit_log.c.seq, audit_log.c.prev_hash, audit_log.c.hash)
                .where(audit_log.c.chain == chain)
                .order_by(audit_log.c.seq)
            )
        ).all()
        head = (await conn.execute(select(audit_head).where(audit_head.c.id == chain))).one()
    assert [r.seq for r in rows][-2:] == [seq, seq + 1]
    assert rows[-1].prev_hash == rows[-2].hash
    assert (head.seq, head.hash, head.prev_hash) == (seq + 1, rows[-1].hash, rows[-2].hash)
    assert await balance_of(bank, b.id) == 100
    assert (await bank.verify_audit()).ok
