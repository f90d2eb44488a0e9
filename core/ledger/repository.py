"""SQL for the ledger: locking, reading and writing accounts, entries, postings and holds.

Deadlock freedom on PostgreSQL comes from one rule: a transaction locks all the accounts
it will touch in one statement, ordered by id, before changing any of them. Hold rows are
locked before their accounts, always in that order.

The locks are ``FOR NO KEY UPDATE``, the mode PostgreSQL's own UPDATE takes when no key
changes: it serializes the ledger's writers just as ``FOR UPDATE`` would, but leaves
alone the ``KEY SHARE`` locks that foreign-key checks take. Other parts of the bank insert
rows that reference accounts (payments, cards, holds) in their own order; with
``FOR UPDATE`` those checks would wait on the ledger and could deadlock with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ledger.errors import AccountNotFound, EntryNotFound, HoldNotFound
from core.ledger.model import (
    AccountState,
    AccountStatus,
    BankPurpose,
    EntryKind,
    HoldStatus,
    PostedLeg,
)
from core.ledger.views import EntryView, HoldView, PostingView
from core.persistence.tables import accounts, entries, holds, postings
from core.persistence.types import AnyRow

_ACCOUNT_STATE_COLUMNS = (
    accounts.c.id,
    accounts.c.currency,
    accounts.c.status,
    accounts.c.balance,
    accounts.c.held,
    accounts.c.overdraft_limit,
    accounts.c.allow_negative,
    accounts.c.version,
)


def _state(row: AnyRow) -> AccountState:
    return AccountState(
        id=row.id,
        currency=row.currency,
        status=AccountStatus(row.status),
        balance=int(row.balance),
        held=int(row.held),
        overdraft_limit=int(row.overdraft_limit),
        allow_negative=bool(row.allow_negative),
        version=int(row.version),
    )


async def lock_some_accounts(
    conn: AsyncConnection, ids: Iterable[UUID]
) -> dict[UUID, AccountState]:
    """Lock the accounts (in id order) and return the states of those that exist."""
    rows = (
        await conn.execute(
            select(*_ACCOUNT_STATE_COLUMNS)
            .where(accounts.c.id.in_(sorted(set(ids))))
            .order_by(accounts.c.id)
            .with_for_update(key_share=True)
        )
    ).all()
    return {row.id: _state(row) for row in rows}


async def lock_accounts(conn: AsyncConnection, ids: Iterable[UUID]) -> dict[UUID, AccountState]:
    """Lock the accounts (in id order) and return their states; unknown ids raise."""
    wanted = sorted(set(ids))
    states = await lock_some_accounts(conn, wanted)
    for account_id in wanted:
        if account_id not in states:
            raise AccountNotFound(account_id=str(account_id))
    return states


async def bank_account(conn: AsyncConnection, purpose: BankPurpose, currency: str) -> UUID | None:
    """The bank's own account for ``purpose`` in ``currency``, if it keeps one."""
    found: UUID | None = (
        await conn.execute(
            select(accounts.c.id).where(
                accounts.c.purpose == purpose.value, accounts.c.currency == currency
            )
        )
    ).scalar_one_or_none()
    return found


async def read_account(conn: AsyncConnection, account_id: UUID) -> AccountState:
    row = (
        await conn.execute(select(*_ACCOUNT_STATE_COLUMNS).where(accounts.c.id == account_id))
    ).one_or_none()
    if row is None:
        raise AccountNotFound(account_id=str(account_id))
    return _state(row)


_write_state = (
    update(accounts)
    .where(accounts.c.id == bindparam("b_id"))
    .values(
        balance=bindparam("b_balance"),
        held=bindparam("b_held"),
        version=bindparam("b_version"),
        updated_at=bindparam("b_at"),
    )
)


async def write_states(
    conn: AsyncConnection, states: Sequence[AccountState], at: datetime
) -> None:
    """Write locked accounts' new balances in one round trip."""
    await conn.execute(
        _write_state,
        [
            {
                "b_id": s.id,
                "b_balance": s.balance,
                "b_held": s.held,
                "b_version": s.version,
                "b_at": at,
            }
            for s in states
        ],
    )


async def insert_entry(
    conn: AsyncConnection,
    *,
    entry_id: UUID,
    kind: EntryKind,
    description: str,
    actor: str,
    legs: Sequence[PostedLeg],
    at: datetime,
    reverses: UUID | None = None,
) -> EntryView:
    """Write a journal entry and its postings (already balanced and applied)."""
    await conn.execute(
        insert(entries).values(
            id=entry_id,
            kind=kind.value,
            description=description,
            actor=actor,
            reverses_entry_id=reverses,
            created_at=at,
        )
    )
    await conn.execute(
        insert(postings).values(
            [
                {
                    "entry_id": entry_id,
                    "account_id": leg.account_id,
                    "amount": leg.amount,
                    "currency": leg.currency,
                    "balance_after": leg.balance_after,
                    "account_seq": leg.account_seq,
                    "created_at": at,
                }
                for leg in legs
            ]
        )
    )
    return EntryView(
        id=entry_id,
        kind=kind,
        description=description,
        created_at=at,
        postings=tuple(
            PostingView(leg.account_id, leg.amount, leg.currency, leg.balance_after)
            for leg in legs
        ),
        reverses_entry_id=reverses,
    )


async def find_entry(conn: AsyncConnection, entry_id: UUID) -> EntryView:
    entry = (await conn.execute(select(entries).where(entries.c.id == entry_id))).one_or_none()
    if entry is None:
        raise EntryNotFound(entry_id=str(entry_id))
    rows = (
        await conn.execute(
            select(postings).where(postings.c.entry_id == entry_id).order_by(postings.c.id)
        )
    ).all()
    return EntryView(
        id=entry.id,
        kind=EntryKind(entry.kind),
        description=entry.description,
        created_at=entry.created_at,
        postings=tuple(
            PostingView(r.account_id, int(r.amount), r.currency, int(r.balance_after))
            for r in rows
        ),
        reverses_entry_id=entry.reverses_entry_id,
    )


async def reversal_of(conn: AsyncConnection, entry_id: UUID) -> UUID | None:
    """The id of the entry that reversed ``entry_id``, if any."""
    return (
        await conn.execute(select(entries.c.id).where(entries.c.reverses_entry_id == entry_id))
    ).scalar_one_or_none()


def _hold_view(row: AnyRow) -> HoldView:
    return HoldView(
        id=row.id,
        account_id=row.account_id,
        counterparty_account_id=row.counterparty_account_id,
        amount=int(row.amount),
        currency=row.currency,
        status=HoldStatus(row.status),
        posted_amount=None if row.posted_amount is None else int(row.posted_amount),
        entry_id=row.entry_id,
        description=row.description,
        expires_at=row.expires_at,
        created_at=row.created_at,
    )


async def find_hold(conn: AsyncConnection, hold_id: UUID, *, lock: bool = False) -> HoldView:
    query = select(holds).where(holds.c.id == hold_id)
    if lock:
        query = query.with_for_update(key_share=True)
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        raise HoldNotFound(hold_id=str(hold_id))
    return _hold_view(row)


async def insert_hold(conn: AsyncConnection, view: HoldView) -> None:
    await conn.execute(
        insert(holds).values(
            id=view.id,
            account_id=view.account_id,
            counterparty_account_id=view.counterparty_account_id,
            amount=view.amount,
            currency=view.currency,
            status=view.status.value,
            posted_amount=view.posted_amount,
            entry_id=view.entry_id,
            description=view.description,
            expires_at=view.expires_at,
            created_at=view.created_at,
            updated_at=view.created_at,
        )
    )


async def finish_hold(
    conn: AsyncConnection,
    hold_id: UUID,
    *,
    status: HoldStatus,
    at: datetime,
    posted_amount: int | None = None,
    entry_id: UUID | None = None,
) -> HoldView:
    await conn.execute(
        update(holds)
        .where(holds.c.id == hold_id)
        .values(status=status.value, posted_amount=posted_amount, entry_id=entry_id, updated_at=at)
    )
    return await find_hold(conn, hold_id)


async def expired_hold_ids(conn: AsyncConnection, now: datetime, limit: int) -> list[UUID]:
    rows = await conn.execute(
        select(holds.c.id)
        .where(holds.c.status == HoldStatus.PENDING.value, holds.c.expires_at <= now)
        .order_by(holds.c.expires_at)
        .limit(limit)
    )
    return list(rows.scalars())
