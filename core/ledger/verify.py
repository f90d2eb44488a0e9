"""``teller ledger verify``: recompute everything from postings and check every invariant."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Executable, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ledger.model import HoldStatus
from core.persistence.tables import accounts, entries, holds, postings
from core.persistence.types import AnyRow


@dataclass
class LedgerReport:
    accounts: int = 0
    entries: int = 0
    postings: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _rows(conn: AsyncConnection, query: Executable) -> list[AnyRow]:
    return list((await conn.execute(query)).all())


async def verify_ledger(conn: AsyncConnection, *, max_problems: int = 100) -> LedgerReport:
    """Check double entry, balances, running balances, holds and limits.

    Every check is one aggregate query, so this scales with the database, not with
    Python. Call it inside one read transaction for a consistent view.
    """
    report = LedgerReport()
    p, a, h = postings.c, accounts.c, holds.c

    def problem(text: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(text)

    report.accounts = (await conn.execute(select(func.count()).select_from(accounts))).scalar_one()
    report.entries = (await conn.execute(select(func.count()).select_from(entries))).scalar_one()
    report.postings = (await conn.execute(select(func.count()).select_from(postings))).scalar_one()

    # 1. Each entry: two or more postings, summing to zero in each currency.
    for row in await _rows(
        conn,
        select(p.entry_id, p.currency, func.sum(p.amount).label("total"))
        .group_by(p.entry_id, p.currency)
        .having(func.sum(p.amount) != 0),
    ):
        problem(f"entry {row.entry_id}: {row.currency} postings sum to {row.total}, not 0")
    for row in await _rows(
        conn,
        select(entries.c.id)
        .outerjoin(postings, p.entry_id == entries.c.id)
        .group_by(entries.c.id)
        .having(func.count(p.id) < 2),
    ):
        problem(f"entry {row.id}: fewer than two postings")

    # 2. Each account: balance = sum of postings, version = number of postings,
    #    postings in the account's currency.
    sums = (
        select(
            p.account_id,
            func.coalesce(func.sum(p.amount), 0).label("total"),
            func.count(p.id).label("n"),
            func.coalesce(func.max(p.account_seq), 0).label("last_seq"),
        )
        .group_by(p.account_id)
        .subquery()
    )
    for row in await _rows(
        conn,
        select(a.id, a.balance, a.version, sums.c.total, sums.c.n, sums.c.last_seq).outerjoin(
            sums, sums.c.account_id == a.id
        ),
    ):
        total = int(row.total or 0)
        count = int(row.n or 0)
        if int(row.balance) != total:
            problem(f"account {row.id}: balance {row.balance} but postings sum to {total}")
        if int(row.version) != count or int(row.last_seq or 0) != count:
            problem(f"account {row.id}: {count} postings but sequence at {row.version}")
    for row in await _rows(
        conn,
        select(p.id, p.account_id)
        .join(accounts, a.id == p.account_id)
        .where(p.currency != a.currency),
    ):
        problem(f"posting {row.id}: currency differs from account {row.account_id}")

    # 3. Running balances: each posting's balance_after follows from the previous one.
    prev = func.lag(p.balance_after).over(partition_by=p.account_id, order_by=p.account_seq)
    running = select(
        p.id, p.account_id, p.amount, p.balance_after, p.account_seq, prev.label("prev")
    ).subquery()
    r = running.c
    for row in await _rows(
        conn,
        select(r.id, r.account_id).where(func.coalesce(r.prev, 0) + r.amount != r.balance_after),
    ):
        problem(f"posting {row.id} on account {row.account_id}: running balance is off")

    # 4. Holds: each account's held amount is the sum of its pending holds.
    pending = (
        select(h.account_id, func.sum(h.amount).label("total"))
        .where(h.status == HoldStatus.PENDING.value)
        .group_by(h.account_id)
        .subquery()
    )
    for row in await _rows(
        conn,
        select(a.id, a.held, pending.c.total)
        .outerjoin(pending, pending.c.account_id == a.id)
        .where(a.held != func.coalesce(pending.c.total, 0)),
    ):
        problem(f"account {row.id}: held {row.held} but pending holds total {row.total or 0}")
    for row in await _rows(
        conn,
        select(h.id).where(
            h.status == HoldStatus.POSTED.value,
            (h.entry_id.is_(None)) | (h.posted_amount > h.amount) | (h.posted_amount <= 0),
        ),
    ):
        problem(f"hold {row.id}: posted without a valid entry or amount")

    # 5. Limits: no customer account past its overdraft limit.
    for row in await _rows(
        conn,
        select(a.id, a.balance, a.held, a.overdraft_limit).where(
            a.allow_negative.is_(False), a.balance - a.held + a.overdraft_limit < 0
        ),
    ):
        problem(f"account {row.id}: past its limit (balance {row.balance}, held {row.held})")

    # 6. The whole ledger: every currency sums to zero across all accounts.
    for row in await _rows(
        conn,
        select(a.currency, func.sum(a.balance).label("total"))
        .group_by(a.currency)
        .having(func.sum(a.balance) != 0),
    ):
        problem(f"{row.currency}: account balances sum to {row.total}, not 0")
    return report
