"""Money-moving commands. Each carries the idempotency key its client chose."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any
from uuid import UUID

from core.ledger.model import EntryKind

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


@dataclass(frozen=True, slots=True)
class Leg:
    """One posting of a :class:`PostEntry`: signed minor units, + credit, - debit."""

    account_id: UUID
    amount: int
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "currency", self.currency.upper())


@dataclass(frozen=True, slots=True)
class PostEntry(_Command):
    """A journal entry of any balanced legs: an operation with its fee, an exchange
    through the FX position accounts, a cashback or reward payment.

    ``capture_hold`` names a pending hold the entry settles: the hold is released and
    marked posted, for what the entry debits from its account, in the same transaction.
    """

    kind: EntryKind
    legs: tuple[Leg, ...]
    description: str
    event_type: str = "entry.posted"
    capture_hold: UUID | None = None

    def fingerprint_fields(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "legs": [[str(leg.account_id), leg.amount, leg.currency] for leg in self.legs],
            "description": self.description,
            "event_type": self.event_type,
            "capture_hold": None if self.capture_hold is None else str(self.capture_hold),
        }
