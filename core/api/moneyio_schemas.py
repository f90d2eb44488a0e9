"""Bodies of the top-up and card payout routes.

Lengths are checked loosely here and exactly by the core (a card number's format, the
return URL's shape), so the API and ``LocalBank`` refuse bad input with the same codes.
A card number goes in and never comes out: responses carry its last four and brand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from core.api.schemas import AmountIn, _In
from core.cardmoney.model import PayoutView, Quote, TopUpView

Fee = Annotated[StrictInt | None, Field(default=None, ge=0, examples=[0])]


class QuoteIn(AmountIn):
    account_id: UUID


class QuoteOut(BaseModel):
    amount_minor: int
    fee_minor: int
    total_minor: int  # top-up: what the card is charged; payout: what leaves the account
    currency: str

    @classmethod
    def of(cls, q: Quote) -> QuoteOut:
        return cls(
            amount_minor=q.amount, fee_minor=q.fee, total_minor=q.total, currency=q.currency
        )


class TopUpCreate(AmountIn):
    account_id: UUID
    return_url: Annotated[str, Field(min_length=1, max_length=2000)]
    expected_fee_minor: Fee = None


class TopUpOut(BaseModel):
    id: UUID
    customer_id: UUID
    account_id: UUID
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    status: str
    payment_url: str | None
    card_last4: str | None
    card_brand: str | None
    entry_id: UUID | None
    failure_reason: str | None
    expires_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, v: TopUpView) -> TopUpOut:
        return cls(
            id=v.id,
            customer_id=v.customer_id,
            account_id=v.account_id,
            amount_minor=v.amount,
            fee_minor=v.fee,
            total_minor=v.total,
            currency=v.currency,
            status=v.status.value,
            payment_url=v.payment_url,
            card_last4=v.card_last4,
            card_brand=v.card_brand,
            entry_id=v.entry_id,
            failure_reason=v.failure_reason,
            expires_at=v.expires_at,
            created_at=v.created_at,
        )


class CallbackOut(BaseModel):
    received: bool
    status: str


class PayoutCreate(AmountIn):
    account_id: UUID
    card_number: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=1000)] = "Transfer to card"
    expected_fee_minor: Fee = None


class PayoutOut(BaseModel):
    id: UUID
    customer_id: UUID
    account_id: UUID
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    status: str
    card_last4: str
    card_brand: str
    description: str
    failure_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, v: PayoutView) -> PayoutOut:
        return cls(
            id=v.id,
            customer_id=v.customer_id,
            account_id=v.account_id,
            amount_minor=v.amount,
            fee_minor=v.fee,
            total_minor=v.total,
            currency=v.currency,
            status=v.status.value,
            card_last4=v.card_last4,
            card_brand=v.card_brand,
            description=v.description,
            failure_reason=v.failure_reason,
            created_at=v.created_at,
            updated_at=v.updated_at,
        )


class PayoutReview(_In):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
