"""Balances and statements, read from the postings' running balances."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import ValidationFailed
from core.ledger.model import EntryKind
from core.ledger.repository import read_account
from core.ledger.views import BalanceView, StatementLine, StatementPage
from core.persistence.tables import entries, postings

MAX_PAGE = 500


async def balance(conn: AsyncConnection, account_id: UUID) -> BalanceView:
    """The ledger balance, the held amount and what is available to spend."""
    state = await read_account(conn, account_id)
    return BalanceView(
        account_id=state.id,
        currency=state.currency,
        ledger=state.balance,
        held=state.held,
        available=state.available,
        overdraft_limit=state.overdraft_limit,
    )


async def statement(
    conn: AsyncConnection,
    account_id: UUID,
    *,
    since: datetime,
    until: datetime,
    after_seq: int | None = None,
    limit: int = 100,
) -> StatementPage:
    """Postings of ``account_id`` in ``[since, until)``, oldest first, with running balance.

    The period is cut by the account's posting sequence (the first posting at or after
    ``since`` to the last before ``until``), so opening balance + lines = closing balance
    always holds, page by page.
    """
    if since.tzinfo is None or until.tzinfo is None:
        raise ValidationFailed("period bounds need a time zone", field="since")
    if until <= since:
        raise ValidationFailed("the period ends before it starts", field="until")
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed(f"limit is 1 to {MAX_PAGE}", field="limit")
    account = await read_account(conn, account_id)
    p = postings.c
    in_account = p.account_id == account_id
    first_seq = (
        await conn.execute(
            select(func.min(p.account_seq)).where(in_account, p.created_at >= since)
        )
    ).scalar_one_or_none()
    last_seq = (
        await conn.execute(select(func.max(p.account_seq)).where(in_account, p.created_at < until))
    ).scalar_one_or_none()
    before = (first_seq if first_seq is not None else (last_seq or 0) + 1) - 1
    opening = await _balance_at(conn, account_id, before)
    if first_seq is None or last_seq is None or last_seq < first_seq:
        return StatementPage(
            account.id, account.currency, since, until, opening, opening, 0, 0, (), None
        )
    closing = await _balance_at(conn, account_id, last_seq)
    in_period = (in_account, p.account_seq >= first_seq, p.account_seq <= last_seq)
    credits, debits = (
        await conn.execute(
            select(
                func.coalesce(func.sum(p.amount).filter(p.amount > 0), 0),
                func.coalesce(func.sum(p.amount).filter(p.amount < 0), 0),
            ).where(*in_period)
        )
    ).one()
    start = first_seq if after_seq is None else max(first_seq, after_seq + 1)
    rows = (
        await conn.execute(
            select(
                p.entry_id,
                p.account_seq,
                p.amount,
                p.balance_after,
                p.created_at,
                entries.c.kind,
                entries.c.description,
            )
            .join(entries, entries.c.id == p.entry_id)
            .where(in_account, p.account_seq >= start, p.account_seq <= last_seq)
            .order_by(p.account_seq)
            .limit(limit + 1)
        )
    ).all()
    lines = tuple(
        StatementLine(
            entry_id=r.entry_id,
            seq=int(r.account_seq),
            kind=EntryKind(r.kind),
            description=r.description,
            at=r.created_at,
            amount=int(r.amount),
            balance_after=int(r.balance_after),
        )
        for r in rows[:limit]
    )
    next_cursor = lines[-1].seq if len(rows) > limit else None
    return StatementPage(
        account.id,
        account.currency,
        since,
        until,
        opening,
        closing,
        int(credits),
        int(debits),
        lines,
        next_cursor,
    )


async def _balance_at(conn: AsyncConnection, account_id: UUID, seq: int) -> int:
    if seq <= 0:
        return 0
    value = (
        await conn.execute(
            select(postings.c.balance_after).where(
                postings.c.account_id == account_id, postings.c.account_seq == seq
            )
        )
    ).scalar_one_or_none()
    return 0 if value is None else int(value)
