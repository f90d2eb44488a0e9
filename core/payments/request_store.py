"""Money request rows: finding them, reading them as views, telling both sides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.payments.errors import MoneyRequestNotFound
from core.payments.model import MoneyRequestStatus, mask_name
from core.payments.tables import money_requests
from core.persistence.types import AnyRow

NOTE_CONTEXT = "money_request.note"


@dataclass(frozen=True, slots=True)
class MoneyRequestView:
    id: UUID
    requester_customer_id: UUID
    requester_account_id: UUID
    requester_name: str  # masked, as the payer sees them: "Ivan P."
    payer_customer_id: UUID
    payer_name: str  # masked
    amount: int
    currency: str
    note: str | None
    status: MoneyRequestStatus
    payment_id: UUID | None
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


async def find(conn: AsyncConnection, request_id: UUID, *, lock: bool = False) -> AnyRow:
    query = select(money_requests).where(money_requests.c.id == request_id)
    row = (await conn.execute(query.with_for_update() if lock else query)).one_or_none()
    if row is None:
        raise MoneyRequestNotFound(request_id=str(request_id))
    return row


async def view(keys: Keyring, customers: CustomerService, row: AnyRow) -> MoneyRequestView:
    """The request as either side sees it (names masked, the note decrypted)."""
    requester = await customers.get(row.requester_customer_id)
    payer = await customers.get(row.payer_customer_id)
    note = None if row.note_enc is None else keys.decrypt(row.note_enc, context=NOTE_CONTEXT)
    return MoneyRequestView(
        id=row.id,
        requester_customer_id=row.requester_customer_id,
        requester_account_id=row.requester_account_id,
        requester_name=mask_name(requester.full_name),
        payer_customer_id=row.payer_customer_id,
        payer_name=mask_name(payer.full_name),
        amount=int(row.amount),
        currency=row.currency,
        note=note,
        status=MoneyRequestStatus(row.status),
        payment_id=row.payment_id,
        expires_at=row.expires_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def record_event(conn: AsyncConnection, type_: str, row: AnyRow, now: datetime) -> None:
    """``money_request.<what>`` naming both customers, so each side can be told."""
    payload = {
        "request_id": str(row.id),
        "requester_customer_id": str(row.requester_customer_id),
        "payer_customer_id": str(row.payer_customer_id),
        "amount": int(row.amount),
        "currency": row.currency,
    }
    await events.record(conn, type_, row.id, payload, now)
