"""What ledger queries and commands return: plain, immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from core.ledger.model import EntryKind, HoldStatus


@dataclass(frozen=True, slots=True)
class PostingView:
    account_id: UUID
    amount: int
    currency: str
    balance_after: int


@dataclass(frozen=True, slots=True)
class EntryView:
    id: UUID
    kind: EntryKind
    description: str
    created_at: datetime
    postings: tuple[PostingView, ...]
    reverses_entry_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class HoldView:
    id: UUID
    account_id: UUID
    counterparty_account_id: UUID
    amount: int
    currency: str
    status: HoldStatus
    posted_amount: int | None
    entry_id: UUID | None
    description: str
    expires_at: datetime
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BalanceView:
    account_id: UUID
    currency: str
    ledger: int  # the sum of postings
    held: int  # pending holds
    available: int  # what can be spent now: ledger - held + overdraft limit
    overdraft_limit: int


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry_id: UUID
    seq: int
    kind: EntryKind
    description: str
    at: datetime
    amount: int
    balance_after: int


@dataclass(frozen=True, slots=True)
class StatementPage:
    account_id: UUID
    currency: str
    since: datetime
    until: datetime
    opening_balance: int  # balance at ``since``
    closing_balance: int  # balance at ``until``
    total_credits: int  # over the whole period, not just this page
    total_debits: int
    lines: tuple[StatementLine, ...]
    next_cursor: int | None  # pass as ``after_seq`` for the next page
