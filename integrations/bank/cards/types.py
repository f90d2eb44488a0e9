"""What the cards part of ``BankAPI`` takes and returns: the wrapper's own plain values.

Field names are the core API's, so ``HttpBank`` validates response bodies straight into
them. Only :class:`CardDetails` holds a full number and CVV (the one-time reveal), and its
``repr`` shows neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from integrations.bank.types import Amount


class CardTier(StrEnum):
    DIGITAL = "digital"  # the Digital Tariff Card, with cashback
    STANDARD = "standard"


class CardStatus(StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"  # by the customer, until unlocked
    BLOCKED = "blocked"  # lost or stolen: final


class BlockReason(StrEnum):
    LOST = "lost"
    STOLEN = "stolen"


@dataclass(frozen=True, slots=True)
class Card:
    """A card as flows may show it: a token (``id``) and the last four digits."""

    id: UUID
    customer_id: UUID
    account_id: UUID
    tier: CardTier
    tier_name: str
    status: CardStatus
    block_reason: BlockReason | None
    last4: str
    expiry_month: int
    expiry_year: int
    currency: str
    per_transaction_limit_minor: int
    daily_limit_minor: int
    online_enabled: bool
    atm_enabled: bool
    pin_set: bool
    pin_blocked: bool
    replaces_card_id: UUID | None
    created_at: datetime

    @property
    def masked_number(self) -> str:
        return f"•• {self.last4}"

    @property
    def per_transaction_limit(self) -> Amount:
        return Amount(self.per_transaction_limit_minor, self.currency)

    @property
    def daily_limit(self) -> Amount:
        return Amount(self.daily_limit_minor, self.currency)


@dataclass(frozen=True, slots=True)
class CardRevealToken:
    """A single-use token that shows the card's details once, until ``expires_at``."""

    token: str = field(repr=False)
    card_id: UUID
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CardDetails:
    """The card as printed, from a reveal: show it to its holder, store it nowhere."""

    card_id: UUID
    number: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    cvv: str = field(repr=False)
    holder_name: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CardRecipient:
    """Whose Teller card a number is, as the payer may see it: "Ivan P.", "•• 4242"."""

    card_id: UUID
    account_id: UUID
    customer_id: UUID
    holder_name: str
    last4: str
    currency: str


@dataclass(frozen=True, slots=True)
class BankDetails:
    """What another bank needs to pay into an account."""

    account_id: UUID
    holder_name: str
    iban: str
    bic: str
    bank_name: str
    currency: str


@dataclass(frozen=True, slots=True)
class CardAuthorization:
    """A purchase or withdrawal the card was asked for, approved or declined (and why)."""

    id: UUID
    card_id: UUID
    approved: bool
    status: str  # pending | approved | declined | cleared | reversed | expired
    decline_reason: str | None  # card_locked, daily_limit, insufficient_funds, …
    amount_minor: int
    currency: str
    channel: str  # pos | online | atm
    mcc: str
    merchant_name: str
    cleared_amount_minor: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CashbackSummary:
    """A card's cashback for a month: what accrued and whether it was paid."""

    card_id: UUID
    month: str  # YYYY-MM
    currency: str
    accrued_minor: int
    purchases: int
    paid: bool
