"""Request and response bodies of the bill payment routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from core.api.schemas import AmountIn
from core.bills.catalogue import Biller
from core.bills.model import PayeeView, PaymentView, Receipt
from core.bills.orders import Quote
from core.bills.schema import Validation

# Bounds on size only: what a field may hold is the biller's schema's to say (with a
# stable code), so the API and the in-process bank refuse the same things the same way.
FieldName = Annotated[str, Field(max_length=64)]
FieldValue = Annotated[str, Field(max_length=200)]
Fields = Annotated[dict[FieldName, FieldValue], Field(max_length=20)]
BillerId = Annotated[str, Field(max_length=200)]
Name = Annotated[str, Field(max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BillerFieldOut(BaseModel):
    name: str
    kind: str  # phone | number | plate
    example: str
    required: bool


class BillerOut(BaseModel):
    id: str
    name: str
    category: str
    country: str
    currency: str
    fee_minor: int
    amount_min_minor: int | None
    amount_max_minor: int | None
    amount_choices_minor: list[int]
    fields: list[BillerFieldOut]

    @classmethod
    def of(cls, b: Biller) -> BillerOut:
        return cls(
            id=b.id,
            name=b.name,
            category=b.category.value,
            country=b.country,
            currency=b.currency,
            fee_minor=b.fee,
            amount_min_minor=b.amount.min,
            amount_max_minor=b.amount.max,
            amount_choices_minor=list(b.amount.choices),
            fields=[
                BillerFieldOut(
                    name=f.name,
                    kind=f.kind.value,
                    example=f.example,
                    required=bool(f.rules.get("required", False)),
                )
                for f in b.fields
            ],
        )


class ValidationIn(_In):
    fields: Fields = Field(default_factory=dict)
    amount_minor: StrictInt | None = None
    partial: bool = False


class FieldErrorOut(BaseModel):
    field: str
    code: str


class ValidationOut(BaseModel):
    valid: bool
    values: dict[str, str | int]  # normalized; empty when not valid
    errors: list[FieldErrorOut]

    @classmethod
    def of(cls, v: Validation) -> ValidationOut:
        return cls(
            valid=v.ok,
            values=dict(v.values),
            errors=[FieldErrorOut(field=e.field, code=e.code) for e in v.errors],
        )


class BillOrderIn(AmountIn):
    account_id: UUID
    biller_id: BillerId
    fields: Fields


class QuoteOut(BaseModel):
    biller_id: str
    biller_name: str
    fields: dict[str, str]  # masked
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str

    @classmethod
    def of(cls, q: Quote) -> QuoteOut:
        return cls(
            biller_id=q.biller.id,
            biller_name=q.biller.name,
            fields=dict(q.fields),
            amount_minor=q.amount,
            fee_minor=q.fee,
            total_minor=q.total,
            currency=q.currency,
        )


class BillPaymentOut(BaseModel):
    id: UUID
    customer_id: UUID
    account_id: UUID
    biller_id: str
    biller_name: str
    fields: dict[str, str]  # masked
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    status: str  # created | submitted | unknown | completed | rejected | declined
    reason: str | None
    provider_reference: str | None
    payee_id: UUID | None
    debit_entry_id: UUID | None
    final_entry_id: UUID | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, p: PaymentView) -> BillPaymentOut:
        return cls(
            id=p.id,
            customer_id=p.customer_id,
            account_id=p.account_id,
            biller_id=p.biller_id,
            biller_name=p.biller_name,
            fields=dict(p.fields),
            amount_minor=p.amount,
            fee_minor=p.fee,
            total_minor=p.total,
            currency=p.currency,
            status=p.status.value,
            reason=p.reason,
            provider_reference=p.provider_reference,
            payee_id=p.payee_id,
            debit_entry_id=p.debit_entry_id,
            final_entry_id=p.final_entry_id,
            created_at=p.created_at,
            finished_at=p.finished_at,
        )


class ReceiptOut(BaseModel):
    payment_id: UUID
    biller_id: str
    biller_name: str
    category: str
    fields: dict[str, str]  # masked
    amount_minor: int
    fee_minor: int
    total_minor: int
    currency: str
    provider_reference: str
    account_id: UUID
    paid_at: datetime

    @classmethod
    def of(cls, r: Receipt) -> ReceiptOut:
        return cls(
            payment_id=r.payment_id,
            biller_id=r.biller_id,
            biller_name=r.biller_name,
            category=r.category,
            fields=dict(r.fields),
            amount_minor=r.amount,
            fee_minor=r.fee,
            total_minor=r.total,
            currency=r.currency,
            provider_reference=r.provider_reference,
            account_id=r.account_id,
            paid_at=r.paid_at,
        )


class PayeeCreate(_In):
    biller_id: BillerId
    fields: Fields
    name: Name


class PayeeRename(_In):
    name: Name


class PayeePaymentIn(AmountIn):
    account_id: UUID


class RepeatIn(_In):
    payee_id: UUID | None = None


class PayeeOut(BaseModel):
    id: UUID
    customer_id: UUID
    biller_id: str
    biller_name: str
    name: str
    fields: dict[str, str]  # masked
    created_at: datetime

    @classmethod
    def of(cls, p: PayeeView) -> PayeeOut:
        return cls(
            id=p.id,
            customer_id=p.customer_id,
            biller_id=p.biller_id,
            biller_name=p.biller_name,
            name=p.name,
            fields=dict(p.fields),
            created_at=p.created_at,
        )
