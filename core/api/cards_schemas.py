"""Request and response bodies of the cards API (``XCreate`` in, ``XOut`` out).

Card numbers, CVVs and PINs come in only where an operation needs them, in bodies (never
in a URL, which ends up in access logs); the only response that carries a number and a
CVV is :class:`CardDetailsOut`, the one-time reveal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from core.api.schemas import MAX_LIMIT_MINOR, Currency3
from core.cards.views import (
    AuthorizationView,
    BankDetails,
    CardDetails,
    CardRecipient,
    CardView,
    CashbackRate,
    CashbackSummary,
    RevealToken,
)

# Generous bounds: the core judges the content and answers with its own codes
# (INVALID_PIN, INVALID_CARD_NUMBER …); these only keep absurd input out.
Short = Annotated[str, Field(max_length=32)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardCreate(_In):
    account_id: UUID
    tier: Annotated[str, Field(max_length=16, examples=["digital"])] = "digital"


class CardBlock(_In):
    reason: Annotated[str, Field(max_length=16, examples=["lost", "stolen"])]


class CardLimits(_In):
    per_transaction_limit_minor: StrictInt = Field(ge=-MAX_LIMIT_MINOR, le=MAX_LIMIT_MINOR)
    daily_limit_minor: StrictInt = Field(ge=-MAX_LIMIT_MINOR, le=MAX_LIMIT_MINOR)


class CardChannels(_In):
    online_enabled: StrictBool
    atm_enabled: StrictBool


class PinSet(_In):
    pin: Short


class PinChange(_In):
    current_pin: Short
    new_pin: Short


class RevealRedeem(_In):
    token: Annotated[str, Field(max_length=256)]


class CardLookup(_In):
    card_number: Short


class AuthorizationCreate(_In):
    """An authorization request from a card processor (ISO 8583 0100, as JSON)."""

    authorization_id: Annotated[str, Field(max_length=64, examples=["auth-000123"])]
    card_number: Short
    expiry_month: StrictInt
    expiry_year: StrictInt = Field(examples=[2029])
    amount_minor: StrictInt = Field(ge=-MAX_LIMIT_MINOR, le=MAX_LIMIT_MINOR)
    currency: Annotated[str, Field(max_length=8)]
    channel: Annotated[str, Field(max_length=16, examples=["pos", "online", "atm"])]
    mcc: Annotated[str, Field(max_length=8, examples=["5411"])]
    merchant_name: Annotated[str, Field(max_length=120)]
    merchant_id: Annotated[str, Field(max_length=128)] | None = None
    cvv: Annotated[str, Field(max_length=8)] | None = None
    pin: Annotated[str, Field(max_length=16)] | None = None


class ClearingCreate(_In):
    amount_minor: StrictInt = Field(ge=-MAX_LIMIT_MINOR, le=MAX_LIMIT_MINOR)
    currency: Annotated[str, Field(max_length=8)]


class CashbackRateSet(_In):
    rate_bps: StrictInt = Field(examples=[500])
    description: Annotated[str, Field(max_length=200)]


class CardOut(BaseModel):
    id: UUID
    customer_id: UUID
    account_id: UUID
    tier: str
    tier_name: str
    status: str
    block_reason: str | None
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

    @classmethod
    def of(cls, v: CardView) -> CardOut:
        return cls(
            id=v.id,
            customer_id=v.customer_id,
            account_id=v.account_id,
            tier=v.tier.value,
            tier_name=v.tier.display_name,
            status=v.status.value,
            block_reason=None if v.block_reason is None else v.block_reason.value,
            last4=v.last4,
            expiry_month=v.expiry.month,
            expiry_year=v.expiry.year,
            currency=v.currency,
            per_transaction_limit_minor=v.per_transaction_limit,
            daily_limit_minor=v.daily_limit,
            online_enabled=v.online_enabled,
            atm_enabled=v.atm_enabled,
            pin_set=v.pin_set,
            pin_blocked=v.pin_blocked,
            replaces_card_id=v.replaces_card_id,
            created_at=v.created_at,
        )


class RevealTokenOut(BaseModel):
    token: str
    card_id: UUID
    expires_at: datetime

    @classmethod
    def of(cls, v: RevealToken) -> RevealTokenOut:
        return cls(token=v.token, card_id=v.card_id, expires_at=v.expires_at)


class CardDetailsOut(BaseModel):
    card_id: UUID
    number: str
    expiry_month: int
    expiry_year: int
    cvv: str
    holder_name: str

    @classmethod
    def of(cls, v: CardDetails) -> CardDetailsOut:
        return cls(
            card_id=v.card_id,
            number=v.number,
            expiry_month=v.expiry.month,
            expiry_year=v.expiry.year,
            cvv=v.cvv,
            holder_name=v.holder_name,
        )


class CardRecipientOut(BaseModel):
    card_id: UUID
    account_id: UUID
    customer_id: UUID
    holder_name: str
    last4: str
    currency: str

    @classmethod
    def of(cls, v: CardRecipient) -> CardRecipientOut:
        return cls(
            card_id=v.card_id,
            account_id=v.account_id,
            customer_id=v.customer_id,
            holder_name=v.holder_name,
            last4=v.last4,
            currency=v.currency,
        )


class BankDetailsOut(BaseModel):
    account_id: UUID
    holder_name: str
    iban: str
    bic: str
    bank_name: str
    currency: str

    @classmethod
    def of(cls, v: BankDetails) -> BankDetailsOut:
        return cls(
            account_id=v.account_id,
            holder_name=v.holder_name,
            iban=v.iban,
            bic=v.bic,
            bank_name=v.bank_name,
            currency=v.currency,
        )


class AuthorizationOut(BaseModel):
    """The bank's answer to a processor: ``approved`` and the ISO 8583 ``response_code``
    (``00``, or the decline's), with the reason in words."""

    id: UUID
    authorization_id: str
    approved: bool
    response_code: str
    status: str
    decline_reason: str | None
    card_id: UUID
    account_id: UUID
    amount_minor: int
    currency: str
    channel: str
    mcc: str
    merchant_name: str
    merchant_id: str | None
    hold_id: UUID | None
    cleared_amount_minor: int | None
    entry_id: UUID | None
    created_at: datetime

    @classmethod
    def of(cls, v: AuthorizationView) -> AuthorizationOut:
        return cls(
            id=v.id,
            authorization_id=v.reference,
            approved=v.approved,
            response_code=v.response_code,
            status=v.status.value,
            decline_reason=None if v.decline_reason is None else v.decline_reason.value,
            card_id=v.card_id,
            account_id=v.account_id,
            amount_minor=v.amount,
            currency=v.currency,
            channel=v.channel.value,
            mcc=v.mcc,
            merchant_name=v.merchant_name,
            merchant_id=v.merchant_id,
            hold_id=v.hold_id,
            cleared_amount_minor=v.cleared_amount,
            entry_id=v.entry_id,
            created_at=v.created_at,
        )


class CashbackRateOut(BaseModel):
    kind: str
    key: str
    rate_bps: int
    description: str

    @classmethod
    def of(cls, v: CashbackRate) -> CashbackRateOut:
        return cls(kind=v.kind, key=v.key, rate_bps=v.rate_bps, description=v.description)


class CashbackSummaryOut(BaseModel):
    card_id: UUID
    month: str
    currency: Currency3
    accrued_minor: int
    purchases: int
    paid: bool
    entry_id: UUID | None

    @classmethod
    def of(cls, v: CashbackSummary) -> CashbackSummaryOut:
        return cls(
            card_id=v.card_id,
            month=v.month,
            currency=v.currency,
            accrued_minor=v.accrued,
            purchases=v.purchases,
            paid=v.paid,
            entry_id=v.entry_id,
        )
