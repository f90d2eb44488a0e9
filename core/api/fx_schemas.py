"""Request and response bodies of the FX routes (``XCreate`` in, ``XOut`` out).

Rates travel as decimal strings ("24.297"), never as JSON numbers, which clients would
read as floats.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from core.api.schemas import AmountIn, Currency3, Text200, _In
from core.fx.views import (
    ExchangeRateView,
    ExchangeView,
    OverrideView,
    QuoteView,
    RateView,
    RefreshResult,
)

RateText = Annotated[
    str, Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,12})?$", max_length=25, examples=["24.297"])
]


def _text(value: Decimal) -> str:
    return format(value, "f")


class QuoteCreate(AmountIn):
    """Sell ``sell_currency`` for ``buy_currency``; the amount's ``currency`` says which
    side it fixes: what the customer sells, or what they receive."""

    sell_currency: Currency3
    buy_currency: Currency3


class QuoteOut(BaseModel):
    id: UUID
    sell_currency: str
    buy_currency: str
    sell_amount_minor: int
    buy_amount_minor: int
    fixed_side: str
    mid_rate: str
    rate: str
    spread_bps: int
    rates_source: str
    rates_as_of: datetime
    created_at: datetime
    expires_at: datetime
    status: str
    exchange_id: UUID | None

    @classmethod
    def of(cls, v: QuoteView) -> QuoteOut:
        return cls(
            id=v.id,
            sell_currency=v.sell_currency,
            buy_currency=v.buy_currency,
            sell_amount_minor=v.sell_amount,
            buy_amount_minor=v.buy_amount,
            fixed_side=v.fixed_side.value,
            mid_rate=_text(v.mid_rate),
            rate=_text(v.rate),
            spread_bps=v.spread_bps,
            rates_source=v.rates_source,
            rates_as_of=v.rates_as_of,
            created_at=v.created_at,
            expires_at=v.expires_at,
            status=v.status.value,
            exchange_id=v.exchange_id,
        )


class ExchangeCreate(_In):
    quote_id: UUID
    sell_account_id: UUID
    buy_account_id: UUID


class ExchangeOut(BaseModel):
    id: UUID
    quote_id: UUID
    customer_id: UUID
    sell_account_id: UUID
    buy_account_id: UUID
    sell_amount_minor: int
    sell_currency: str
    buy_amount_minor: int
    buy_currency: str
    rate: str
    status: str
    entry_id: UUID | None
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, v: ExchangeView) -> ExchangeOut:
        return cls(
            id=v.id,
            quote_id=v.quote_id,
            customer_id=v.customer_id,
            sell_account_id=v.sell_account_id,
            buy_account_id=v.buy_account_id,
            sell_amount_minor=v.sell_amount,
            sell_currency=v.sell_currency,
            buy_amount_minor=v.buy_amount,
            buy_currency=v.buy_currency,
            rate=_text(v.rate),
            status=v.status.value,
            entry_id=v.entry_id,
            created_at=v.created_at,
            completed_at=v.completed_at,
        )


class RateOut(BaseModel):
    currency: str
    rate: str  # units per 1 EUR
    as_of: datetime
    source: str

    @classmethod
    def of(cls, v: RateView) -> RateOut:
        return cls(currency=v.currency, rate=_text(v.rate), as_of=v.as_of, source=v.source)


class RatesOut(BaseModel):
    base: str
    rates: list[RateOut]


class ExchangeRateOut(BaseModel):
    sell_currency: str
    buy_currency: str
    mid_rate: str
    rate: str
    spread_bps: int
    as_of: datetime
    source: str

    @classmethod
    def of(cls, v: ExchangeRateView) -> ExchangeRateOut:
        return cls(
            sell_currency=v.sell_currency,
            buy_currency=v.buy_currency,
            mid_rate=_text(v.mid_rate),
            rate=_text(v.rate),
            spread_bps=v.spread_bps,
            as_of=v.as_of,
            source=v.source,
        )


class RefreshOut(BaseModel):
    source: str
    as_of: datetime
    stored: int
    skipped: list[str]

    @classmethod
    def of(cls, v: RefreshResult) -> RefreshOut:
        return cls(source=v.source, as_of=v.as_of, stored=v.stored, skipped=list(v.skipped))


class OverrideCreate(_In):
    """1 ``base_currency`` = ``rate`` ``quote_currency`` during ``[valid_from,
    valid_until)``; ``valid_from`` defaults to now; naive times are UTC."""

    base_currency: Currency3
    quote_currency: Currency3
    rate: RateText
    valid_from: datetime | None = None
    valid_until: datetime
    reason: Text200


class OverrideCancel(_In):
    reason: Text200


class OverrideOut(BaseModel):
    id: UUID
    base_currency: str
    quote_currency: str
    rate: str
    valid_from: datetime
    valid_until: datetime
    reason: str
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None

    @classmethod
    def of(cls, v: OverrideView) -> OverrideOut:
        return cls(
            id=v.id,
            base_currency=v.base_currency,
            quote_currency=v.quote_currency,
            rate=_text(v.rate),
            valid_from=v.valid_from,
            valid_until=v.valid_until,
            reason=v.reason,
            created_by=v.created_by,
            created_at=v.created_at,
            cancelled_at=v.cancelled_at,
        )
