"""What the cards area's queries and commands return: plain, immutable values.

Only :class:`CardDetails` ever holds a full number and CVV (the one-time reveal); its
``repr`` shows neither, so it cannot leak into a log line by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from core.cards.model import BlockReason, CardStatus, CardTier, Expiry
from core.cards.rules import APPROVED_CODE, AuthorizationStatus, Channel, DeclineReason


@dataclass(frozen=True, slots=True)
class CardView:
    id: UUID
    customer_id: UUID
    account_id: UUID
    tier: CardTier
    status: CardStatus
    block_reason: BlockReason | None
    last4: str
    expiry: Expiry
    currency: str
    per_transaction_limit: int
    daily_limit: int
    online_enabled: bool
    atm_enabled: bool
    pin_set: bool
    pin_blocked: bool
    replaces_card_id: UUID | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class RevealToken:
    """A single-use token that shows a card's number and CVV once, until ``expires_at``."""

    token: str = field(repr=False)
    card_id: UUID
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CardDetails:
    """The card as printed: shown once, through a reveal token."""

    card_id: UUID
    number: str = field(repr=False)
    expiry: Expiry
    cvv: str = field(repr=False)
    holder_name: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CardRecipient:
    """Whom a card number belongs to, as a payer may see it ("Ivan P.", "•• 4242")."""

    card_id: UUID
    account_id: UUID
    customer_id: UUID
    holder_name: str  # masked: first name and the last name's initial
    last4: str
    currency: str


@dataclass(frozen=True, slots=True)
class BankDetails:
    """What another bank needs to send money to an account."""

    account_id: UUID
    holder_name: str
    iban: str
    bic: str
    bank_name: str
    currency: str


@dataclass(frozen=True, slots=True)
class AuthorizationView:
    id: UUID
    reference: str  # the processor's id for it
    card_id: UUID
    account_id: UUID
    amount: int
    currency: str
    channel: Channel
    mcc: str
    merchant_name: str
    merchant_id: str | None
    status: AuthorizationStatus
    decline_reason: DeclineReason | None
    hold_id: UUID | None
    cleared_amount: int | None
    entry_id: UUID | None
    created_at: datetime

    @property
    def approved(self) -> bool:
        return self.decline_reason is None and self.status is not AuthorizationStatus.DECLINED

    @property
    def response_code(self) -> str:
        """ISO 8583 field 39: ``00`` approved, else the decline reason's code."""
        return APPROVED_CODE if self.decline_reason is None else self.decline_reason.response_code


@dataclass(frozen=True, slots=True)
class CashbackRate:
    kind: str  # mcc | partner
    key: str
    rate_bps: int
    description: str


@dataclass(frozen=True, slots=True)
class CashbackSummary:
    """A card's cashback for one month: what accrued, and whether it was paid."""

    card_id: UUID
    month: str
    currency: str
    accrued: int
    purchases: int
    paid: bool
    entry_id: UUID | None
