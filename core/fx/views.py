"""What FX queries and commands return: plain, immutable values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from core.fx.model import QuoteStatus, Side


@dataclass(frozen=True, slots=True)
class RateView:
    """A currency's current rate: units per 1 EUR, with its date and source."""

    currency: str
    rate: Decimal
    as_of: datetime
    source: str


@dataclass(frozen=True, slots=True)
class RefreshResult:
    source: str
    as_of: datetime
    stored: int  # currencies written (new, or corrected for the same date)
    skipped: tuple[str, ...]  # codes the source sent that Teller does not know


@dataclass(frozen=True, slots=True)
class ExchangeRateView:
    """An indicative rate for a pair: what a quote would give now, locked by nothing."""

    sell_currency: str
    buy_currency: str
    mid_rate: Decimal
    rate: Decimal  # the customer's, after the spread
    spread_bps: int
    as_of: datetime
    source: str


@dataclass(frozen=True, slots=True)
class QuoteView:
    id: UUID
    sell_currency: str
    buy_currency: str
    sell_amount: int
    buy_amount: int
    fixed_side: Side
    mid_rate: Decimal
    rate: Decimal
    spread_bps: int
    rates_source: str
    rates_as_of: datetime
    created_at: datetime
    expires_at: datetime
    status: QuoteStatus
    exchange_id: UUID | None


class ExchangeStatus(StrEnum):
    PENDING = "pending"  # the quote is taken; the ledger entry is being written
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class ExchangeView:
    id: UUID
    quote_id: UUID
    customer_id: UUID
    sell_account_id: UUID
    buy_account_id: UUID
    sell_amount: int
    sell_currency: str
    buy_amount: int
    buy_currency: str
    rate: Decimal
    status: ExchangeStatus
    entry_id: UUID | None
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class OverrideView:
    """An admin's rate for a pair (1 ``base`` = ``rate`` ``quote``) for a time window."""

    id: UUID
    base_currency: str
    quote_currency: str
    rate: Decimal
    valid_from: datetime
    valid_until: datetime
    reason: str
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None

    def active_at(self, at: datetime) -> bool:
        return self.cancelled_at is None and self.valid_from <= at < self.valid_until
