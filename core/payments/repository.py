"""Payment rows: reading them as views and moving them between statuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core import idempotency
from core.crypto import Keyring
from core.payments.errors import PaymentNotFound
from core.payments.model import Decision, PaymentStatus
from core.payments.tables import payments
from core.persistence.tables import idempotency_keys
from core.persistence.types import AnyRow

LABEL_CONTEXT = "payment.recipient_label"


@dataclass(frozen=True, slots=True)
class PaymentView:
    """A transfer to another customer, its fee and its risk review."""

    id: UUID
    payer_customer_id: UUID
    source_account_id: UUID
    recipient_customer_id: UUID
    destination_account_id: UUID
    recipient_kind: str
    recipient_name: str  # masked: "Ivan P."
    recipient_account_last4: str
    amount: int
    fee: int
    currency: str
    description: str
    status: PaymentStatus
    risk_score: int
    risk_reasons: tuple[dict[str, Any], ...]
    held: bool
    hold_id: UUID | None
    entry_id: UUID | None
    decision: Decision | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    review_deadline: datetime | None
    failure_code: str | None
    money_request_id: UUID | None
    idempotency_scope: str
    idempotency_key: str
    created_at: datetime
    updated_at: datetime

    @property
    def total(self) -> int:
        return self.amount + self.fee


def label(name: str, last4: str) -> str:
    return f"{last4}|{name}"


def view(row: AnyRow, keys: Keyring) -> PaymentView:
    last4, _, name = keys.decrypt(row.recipient_label_enc, context=LABEL_CONTEXT).partition("|")
    return PaymentView(
        id=row.id,
        payer_customer_id=row.payer_customer_id,
        source_account_id=row.source_account_id,
        recipient_customer_id=row.recipient_customer_id,
        destination_account_id=row.destination_account_id,
        recipient_kind=row.recipient_kind,
        recipient_name=name,
        recipient_account_last4=last4,
        amount=int(row.amount),
        fee=int(row.fee),
        currency=row.currency,
        description=row.description,
        status=PaymentStatus(row.status),
        risk_score=int(row.risk_score),
        risk_reasons=tuple(row.risk_reasons),
        held=bool(row.held),
        hold_id=row.hold_id,
        entry_id=row.entry_id,
        decision=None if row.decision is None else Decision(row.decision),
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
        review_note=row.review_note,
        review_deadline=row.review_deadline,
        failure_code=row.failure_code,
        money_request_id=row.money_request_id,
        idempotency_scope=row.idempotency_scope,
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def find(
    conn: AsyncConnection, payment_id: UUID, keys: Keyring, *, lock: bool = False
) -> PaymentView:
    query = select(payments).where(payments.c.id == payment_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).one_or_none()
    if row is None:
        raise PaymentNotFound(payment_id=str(payment_id))
    return view(row, keys)


async def move(
    conn: AsyncConnection,
    payment_id: UUID,
    from_: PaymentStatus,
    to: PaymentStatus,
    now: datetime,
    **values: Any,
) -> bool:
    """Change the status if it still is ``from_`` (a compare-and-set); False if not.

    Two workers finishing one payment (a retried request and the recovery sweep) both
    try; exactly one moves it, the other finds it moved.
    """
    result = await conn.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status == from_.value)
        .values(status=to.value, updated_at=now, **values)
    )
    return bool(result.rowcount)


async def search(
    conn: AsyncConnection,
    keys: Keyring,
    status: PaymentStatus | None,
    payer: UUID | None,
    limit: int,
) -> list[PaymentView]:
    """Payments newest first, by status and/or payer (``limit`` kept to 1–200)."""
    query = select(payments).order_by(payments.c.created_at.desc(), payments.c.id)
    if status is not None:
        query = query.where(payments.c.status == status.value)
    if payer is not None:
        query = query.where(payments.c.payer_customer_id == payer)
    rows = (await conn.execute(query.limit(max(1, min(limit, 200))))).all()
    return [view(r, keys) for r in rows]


async def claimed(
    conn: AsyncConnection, scope: str, key: str, command: str, fingerprint: str
) -> UUID | None:
    """The payment an idempotency key already made, or None if the key is free.

    The same key for a different request raises ``IDEMPOTENCY_CONFLICT``.
    """
    row = (
        await conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        )
    ).one_or_none()
    if row is None:
        return None
    claim = idempotency.earlier(
        row.command,
        row.fingerprint,
        row.resource_id,
        row.response,
        command=command,
        fingerprint_=fingerprint,
    )
    return claim.resource_id
