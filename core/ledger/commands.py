"""Money-moving commands. Each carries the idempotency key its client chose."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any
from uuid import UUID

DEFAULT_HOLD_TTL = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class _Command:
    idempotency_key: str

    def __post_init__(self) -> None:
        # Currency codes are case-insensitive on input; the ledger stores them upper-case.
        currency = getattr(self, "currency", None)
        if isinstance(currency, str):
            object.__setattr__(self, "currency", currency.upper())

    def fingerprint_fields(self) -> dict[str, Any]:
        """The request's content for idempotency: everything except the key."""
        # Shallow: every field is a plain value, and asdict() would deep-copy each one.
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "idempotency_key"}


@dataclass(frozen=True, slots=True)
class Deposit(_Command):
    """Cash-in by staff or the API: money enters the bank through settlement."""

    account_id: UUID
    amount: int
    currency: str
    description: str = "Deposit"


@dataclass(frozen=True, slots=True)
class Withdraw(_Command):
    account_id: UUID
    amount: int
    currency: str
    description: str = "Withdrawal"


@dataclass(frozen=True, slots=True)
class Transfer(_Command):
    source_account_id: UUID
    destination_account_id: UUID
    amount: int
    currency: str
    description: str = "Transfer"


@dataclass(frozen=True, slots=True)
class Reverse(_Command):
    entry_id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class PlaceHold(_Command):
    account_id: UUID
    counterparty_account_id: UUID
    amount: int
    currency: str
    description: str = "Hold"
    ttl_seconds: int = int(DEFAULT_HOLD_TTL.total_seconds())


@dataclass(frozen=True, slots=True)
class PostHold(_Command):
    hold_id: UUID
    amount: int | None = None  # None posts the full held amount


@dataclass(frozen=True, slots=True)
class VoidHold(_Command):
    hold_id: UUID
