"""What ledger queries and commands return: plain, immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
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

    def to_json(self) -> dict[str, Any]:
        """The hold as first returned, kept with its idempotency key for replays."""
        return {
            "id": str(self.id),
            "account_id": str(self.account_id),
            "counterparty_account_id": str(self.counterparty_account_id),
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status.value,
            "posted_amount": self.posted_amount,
            "entry_id": None if self.entry_id is None else str(self.entry_id),
            "description": self.description,
            "expires_at": self.expires_at.isoformat(),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HoldView:
        return cls(
            id=UUID(data["id"]),
            account_id=UUID(data["account_id"]),
            counterparty_account_id=UUID(data["counterparty_account_id"]),
            amount=int(data["amount"]),
            currency=data["currency"],
            status=HoldStatus(data["status"]),
            posted_amount=data["posted_amount"],
            entry_id=None if data["entry_id"] is None else UUID(data["entry_id"]),
            description=data["description"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            created_at=datetime.fromisoformat(data["created_at"]),
        )


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
