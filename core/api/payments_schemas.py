"""Request and response bodies of the payments API (``XCreate`` in, ``XOut`` out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt

from core.api.schemas import MAX_LIMIT_MINOR, AmountIn, Text200, _In
from core.payments.fee_schedule import FeeRuleView
from core.payments.fees import FeeQuote
from core.payments.limits import LimitStatus
from core.payments.recipients import Recipient, RecipientRef
from core.payments.repository import PaymentView
from core.payments.request_store import MoneyRequestView
from core.payments.transfers import TransferPreview

Minor = Annotated[StrictInt, Field(ge=0, le=MAX_LIMIT_MINOR)]


class RecipientIn(_In):
    """Who receives the money: ``kind`` ``account`` (an IBAN), ``phone`` or ``card``."""

    kind: Annotated[str, Field(min_length=1, max_length=16, examples=["phone"])]
    value: Annotated[str, Field(min_length=1, max_length=64, examples=["+420 601 234 567"])]

    def ref(self) -> RecipientRef:
        return RecipientRef(self.kind, self.value)


class TransferPreviewCreate(AmountIn):
    source_account_id: UUID
    recipient: RecipientIn


class PaymentTransferCreate(TransferPreviewCreate):
    description: Text200 = "Transfer"
    # The fee the customer was shown: if it changed since, the transfer is refused
    # (FEE_CHANGED) rather than charging what they did not see.
    expected_fee_minor: Minor | None = None


class RecipientOut(BaseModel):
    kind: str
    display_name: str  # "Ivan P."
    account_last4: str

    @classmethod
    def of(cls, r: Recipient) -> RecipientOut:
        return cls(kind=r.kind, display_name=r.display_name, account_last4=r.account_last4)


class LimitStatusOut(BaseModel):
    customer_id: UUID
    kyc_level: str
    currency: str
    daily_limit_minor: int
    daily_used_minor: int
    daily_remaining_minor: int
    monthly_limit_minor: int
    monthly_used_minor: int
    monthly_remaining_minor: int
    remaining_minor: int

    @classmethod
    def of(cls, s: LimitStatus) -> LimitStatusOut:
        return cls(
            customer_id=UUID(s.customer_id),
            kyc_level=s.kyc_level.value,
            currency=s.currency,
            daily_limit_minor=s.daily_limit,
            daily_used_minor=s.daily_used,
            daily_remaining_minor=s.daily_remaining,
            monthly_limit_minor=s.monthly_limit,
            monthly_used_minor=s.monthly_used,
            monthly_remaining_minor=s.monthly_remaining,
            remaining_minor=s.remaining,
        )


class FeeRuleOut(BaseModel):
    operation: str
    currency: str  # an ISO code, or "*" for every currency without its own rule
    fixed_minor: int
    percent_bp: int
    minimum_minor: int
    maximum_minor: int | None
    source: str  # configured | default
    updated_at: datetime | None = None
    updated_by: str | None = None

    @classmethod
    def of(cls, v: FeeRuleView) -> FeeRuleOut:
        r = v.rule
        return cls(
            operation=r.operation.value,
            currency=r.currency,
            fixed_minor=r.fixed,
            percent_bp=r.percent_bp,
            minimum_minor=r.minimum,
            maximum_minor=r.maximum,
            source=v.source.value,
            updated_at=v.updated_at,
            updated_by=v.updated_by,
        )


class FeeQuoteOut(BaseModel):
    operation: str
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    rule: FeeRuleOut

    @classmethod
    def of(cls, q: FeeQuote) -> FeeQuoteOut:
        return cls(
            operation=q.operation.value,
            amount_minor=q.amount,
            fee_minor=q.fee,
            total_minor=q.total,
            currency=q.currency,
            rule=FeeRuleOut.of(FeeRuleView(q.rule, q.source)),
        )


class TransferPreviewOut(BaseModel):
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    recipient: RecipientOut
    limits: LimitStatusOut

    @classmethod
    def of(cls, p: TransferPreview) -> TransferPreviewOut:
        return cls(
            amount_minor=p.quote.amount,
            fee_minor=p.quote.fee,
            total_minor=p.quote.total,
            currency=p.quote.currency,
            recipient=RecipientOut.of(p.recipient),
            limits=LimitStatusOut.of(p.limits),
        )


class RiskReasonOut(BaseModel):
    rule: str
    score: int
    detail: str


class PaymentOut(BaseModel):
    id: UUID
    status: str  # processing | pending_review | completed | rejected | failed
    payer_customer_id: UUID
    source_account_id: UUID
    recipient_customer_id: UUID
    destination_account_id: UUID
    recipient: RecipientOut
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    description: str
    # For staff: never shown to customers (it would teach fraudsters the rules).
    risk_score: int
    risk_reasons: list[RiskReasonOut]
    hold_id: UUID | None
    entry_id: UUID | None
    decision: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    review_deadline: datetime | None
    failure_code: str | None
    money_request_id: UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, p: PaymentView) -> PaymentOut:
        recipient = RecipientOut(
            kind=p.recipient_kind,
            display_name=p.recipient_name,
            account_last4=p.recipient_account_last4,
        )
        return cls(
            id=p.id,
            status=p.status.value,
            payer_customer_id=p.payer_customer_id,
            source_account_id=p.source_account_id,
            recipient_customer_id=p.recipient_customer_id,
            destination_account_id=p.destination_account_id,
            recipient=recipient,
            amount_minor=p.amount,
            fee_minor=p.fee,
            total_minor=p.total,
            currency=p.currency,
            description=p.description,
            risk_score=p.risk_score,
            risk_reasons=[RiskReasonOut(**r) for r in p.risk_reasons],
            hold_id=p.hold_id,
            entry_id=p.entry_id,
            decision=None if p.decision is None else p.decision.value,
            reviewed_by=p.reviewed_by,
            reviewed_at=p.reviewed_at,
            review_note=p.review_note,
            review_deadline=p.review_deadline,
            failure_code=p.failure_code,
            money_request_id=p.money_request_id,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class OperationStatusOut(BaseModel):
    operation: str
    currency: str
    enabled: bool
    scope: str | None = None
    until: datetime | None = None
    reason: str | None = None


class MoneyRequestCreate(AmountIn):
    requester_account_id: UUID
    payer: RecipientIn
    note: Annotated[str | None, Field(max_length=140)] = None


class MoneyRequestAccept(_In):
    source_account_id: UUID
    expected_fee_minor: Minor | None = None


class PayerAnswer(_In):
    payer_customer_id: UUID


class RequesterAnswer(_In):
    requester_customer_id: UUID


class MoneyRequestOut(BaseModel):
    id: UUID
    status: str  # pending | accepted | paid | declined | cancelled | expired
    requester_customer_id: UUID
    requester_account_id: UUID
    requester_name: str
    payer_customer_id: UUID
    payer_name: str
    amount_minor: int
    currency: str
    note: str | None
    payment_id: UUID | None
    expires_at: datetime
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, m: MoneyRequestView) -> MoneyRequestOut:
        return cls(
            id=m.id,
            status=m.status.value,
            requester_customer_id=m.requester_customer_id,
            requester_account_id=m.requester_account_id,
            requester_name=m.requester_name,
            payer_customer_id=m.payer_customer_id,
            payer_name=m.payer_name,
            amount_minor=m.amount,
            currency=m.currency,
            note=m.note,
            payment_id=m.payment_id,
            expires_at=m.expires_at,
            created_at=m.created_at,
            updated_at=m.updated_at,
        )
