"""Reading and writing bill payments and saved payees, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.bills.errors import BillPaymentNotFound, PayeeNotFound
from core.bills.model import FINAL, PaymentStatus
from core.bills.tables import bill_payees, bill_payments
from core.persistence.tables import idempotency_keys
from core.persistence.types import AnyRow

_FINAL = [status.value for status in FINAL]


async def insert_payment(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(bill_payments).values(**values))


async def payment(conn: AsyncConnection, payment_id: UUID, *, lock: bool = False) -> AnyRow:
    """The payment's row (locked for update when asked), or :class:`BillPaymentNotFound`."""
    query = select(bill_payments).where(bill_payments.c.id == payment_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        raise BillPaymentNotFound(payment_id=str(payment_id))
    return row


async def update_payment(conn: AsyncConnection, payment_id: UUID, **values: Any) -> None:
    await conn.execute(
        update(bill_payments).where(bill_payments.c.id == payment_id).values(**values)
    )


async def customer_payments(conn: AsyncConnection, customer_id: UUID, limit: int) -> list[AnyRow]:
    """The customer's payments, newest first."""
    query = (
        select(bill_payments)
        .where(bill_payments.c.customer_id == customer_id)
        .order_by(bill_payments.c.created_at.desc(), bill_payments.c.id.desc())
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def last_completed(
    conn: AsyncConnection, customer_id: UUID, target_index: str | None = None
) -> AnyRow | None:
    """The customer's newest completed payment, to anyone or to one target."""
    query = select(bill_payments).where(
        bill_payments.c.customer_id == customer_id,
        bill_payments.c.status == PaymentStatus.COMPLETED.value,
    )
    if target_index is not None:
        query = query.where(bill_payments.c.target_index == target_index)
    query = query.order_by(bill_payments.c.created_at.desc(), bill_payments.c.id.desc()).limit(1)
    return (await conn.execute(query)).one_or_none()


async def due_for_check(conn: AsyncConnection, now: datetime, limit: int) -> list[AnyRow]:
    """Unfinished payments whose next check is due: (id, checks)."""
    query = (
        select(bill_payments.c.id, bill_payments.c.checks)
        .where(
            bill_payments.c.next_check_at <= now,
            bill_payments.c.status.not_in(_FINAL),
        )
        .order_by(bill_payments.c.next_check_at)
        .limit(limit)
    )
    return list((await conn.execute(query)).all())


async def free_key(conn: AsyncConnection, scope: str, key: str) -> None:
    """Release an idempotency key whose payment the bank declined: nothing was done."""
    await conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.scope == scope,
            idempotency_keys.c.key == key,
            idempotency_keys.c.command == "pay_bill",
        )
    )


# -- payees ------------------------------------------------------------------------------


async def insert_payee(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(bill_payees).values(**values))


async def payee(conn: AsyncConnection, customer_id: UUID, payee_id: UUID) -> AnyRow:
    """The customer's payee, or :class:`PayeeNotFound` (also for another customer's)."""
    row = (
        await conn.execute(
            select(bill_payees).where(
                bill_payees.c.id == payee_id, bill_payees.c.customer_id == customer_id
            )
        )
    ).one_or_none()
    if row is None:
        raise PayeeNotFound(payee_id=str(payee_id))
    return row


async def payee_by_target(conn: AsyncConnection, customer_id: UUID, target: str) -> AnyRow | None:
    query = select(bill_payees).where(
        bill_payees.c.customer_id == customer_id, bill_payees.c.target_index == target
    )
    return (await conn.execute(query)).one_or_none()


async def payees(conn: AsyncConnection, customer_id: UUID) -> list[AnyRow]:
    """The customer's payees, oldest first."""
    query = (
        select(bill_payees)
        .where(bill_payees.c.customer_id == customer_id)
        .order_by(bill_payees.c.created_at, bill_payees.c.id)
    )
    return list((await conn.execute(query)).all())


async def update_payee(
    conn: AsyncConnection, customer_id: UUID, payee_id: UUID, **values: Any
) -> int:
    result = await conn.execute(
        update(bill_payees)
        .where(bill_payees.c.id == payee_id, bill_payees.c.customer_id == customer_id)
        .values(**values)
    )
    return int(result.rowcount)


async def delete_payee(conn: AsyncConnection, customer_id: UUID, payee_id: UUID) -> int:
    result = await conn.execute(
        delete(bill_payees).where(
            bill_payees.c.id == payee_id, bill_payees.c.customer_id == customer_id
        )
    )
    return int(result.rowcount)


async def claimed(conn: AsyncConnection, scope: str, key: str) -> AnyRow | None:
    """The idempotency key's claim, if the key was used."""
    query = select(idempotency_keys).where(
        idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
    )
    return (await conn.execute(query)).one_or_none()
