"""The guarded state changes of a bill payment, each in its own short transaction.

Each locks the payment's row, checks the status it expects and changes it only then, so
any of them may run twice, or race another path, and change the payment once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.actors import Actor, ActorKind
from core.audit.log import record
from core.bills import repository as repo
from core.bills.config import BillsConfig
from core.bills.model import FINAL, IN_FLIGHT, Outcome, PaymentStatus, next_check
from core.clock import Clock
from core.errors import CoreError
from core.persistence.database import Database
from core.persistence.types import AnyRow

BILLS = Actor(ActorKind.SYSTEM, "bills")
"""Who moves a bill payment's money in the ledger: one scope for its derived keys."""


class Transitions:
    """Status changes of payments: declined, submitted, unknown, decided, closed."""

    def __init__(self, db: Database, clock: Clock, config: BillsConfig) -> None:
        self._db, self._clock, self._config = db, clock, config

    async def decline(self, row: AnyRow, error: CoreError) -> None:
        now = self._clock.now()
        async with self._db.transaction() as conn:
            current = await repo.payment(conn, row.id, lock=True)
            if current.status != PaymentStatus.CREATED:
                return
            await repo.update_payment(
                conn,
                row.id,
                status=PaymentStatus.DECLINED.value,
                reason=error.code,
                next_check_at=None,
                finished_at=now,
                updated_at=now,
            )
            await repo.free_key(conn, row.actor, row.idempotency_key)
            details = {"payment_id": str(row.id), **error.data}
            await record(
                conn,
                now,
                row.actor,
                "pay_bill",
                f"account:{row.account_id}",
                details,
                outcome=f"rejected:{error.code}",
            )

    async def submitted(self, payment_id: UUID, entry_id: UUID) -> None:
        now = self._clock.now()
        async with self._db.transaction() as conn:
            row = await repo.payment(conn, payment_id, lock=True)
            if row.status == PaymentStatus.CREATED:
                # Should this request die while the biller is asked, the sweep asks later.
                await repo.update_payment(
                    conn,
                    payment_id,
                    status=PaymentStatus.SUBMITTED.value,
                    debit_entry_id=entry_id,
                    next_check_at=now + self._config.reconcile_after,
                    updated_at=now,
                )

    async def wait(self, payment_id: UUID) -> AnyRow:
        """No final answer: the payment is ``unknown`` until reconciliation learns more."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            row = await repo.payment(conn, payment_id, lock=True)
            if row.status in IN_FLIGHT and row.outcome is None:
                wait = next_check(
                    row.checks,
                    first=self._config.reconcile_after,
                    cap=self._config.reconcile_cap,
                )
                await repo.update_payment(
                    conn,
                    payment_id,
                    status=PaymentStatus.UNKNOWN.value,
                    next_check_at=now + wait,
                    updated_at=now,
                )
                row = await repo.payment(conn, payment_id)
        return row

    async def checked(self, payment_id: UUID) -> None:
        """Count one more question to the biller (it paces the next one)."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            row = await repo.payment(conn, payment_id, lock=True)
            if row.outcome is None and row.status in IN_FLIGHT:
                await repo.update_payment(conn, payment_id, checks=row.checks + 1, updated_at=now)

    async def decide(
        self, payment_id: UUID, outcome: Outcome, reference: str | None, reason: str | None
    ) -> None:
        """Record the biller's final word, once; later answers follow the first."""
        now = self._clock.now()
        async with self._db.transaction() as conn:
            row = await repo.payment(conn, payment_id, lock=True)
            if row.outcome is not None or row.status not in IN_FLIGHT:
                return
            await repo.update_payment(
                conn,
                payment_id,
                outcome=outcome.value,
                next_check_at=now,
                updated_at=now,
                provider_reference=(reference or "")[:64] or None,
                reason=None if outcome is Outcome.ACCEPTED else (reason or "REJECTED")[:60],
            )

    async def later(self, payment_id: UUID, checks: int) -> None:
        now = self._clock.now()
        wait = next_check(
            checks, first=self._config.reconcile_after, cap=self._config.reconcile_cap
        )
        async with self._db.transaction() as conn:
            await repo.update_payment(
                conn, payment_id, checks=checks, next_check_at=now + wait, updated_at=now
            )

    async def close(self, payment_id: UUID, entry_id: UUID) -> AnyRow:
        now = self._clock.now()
        async with self._db.transaction() as conn:
            row = await repo.payment(conn, payment_id, lock=True)
            if row.status not in FINAL:
                accepted = row.outcome == Outcome.ACCEPTED
                status = PaymentStatus.COMPLETED if accepted else PaymentStatus.REJECTED
                await repo.update_payment(
                    conn,
                    payment_id,
                    status=status.value,
                    final_entry_id=entry_id,
                    next_check_at=None,
                    finished_at=now,
                    updated_at=now,
                )
                await self._announce(conn, row, status, entry_id, now)
            return await repo.payment(conn, payment_id)

    async def _announce(
        self,
        conn: AsyncConnection,
        row: AnyRow,
        status: PaymentStatus,
        entry_id: UUID,
        now: datetime,
    ) -> None:
        """The customer is told (outbox) and the step audited, with the status change."""
        payload: dict[str, Any] = {
            "payment_id": str(row.id),
            "customer_id": str(row.customer_id),
            "account_id": str(row.account_id),
            "biller_id": row.biller_id,
            "amount": row.amount,
            "fee": row.fee,
            "currency": row.currency,
        }
        if status is PaymentStatus.COMPLETED:
            payload["provider_reference"] = row.provider_reference or ""
        else:
            payload["reason"] = row.reason or ""
        await events.record(conn, f"bill.{status.value}", row.id, payload, now)
        action = "settle_bill" if status is PaymentStatus.COMPLETED else "refund_bill"
        details = {"payment_id": str(row.id), "entry_id": str(entry_id), "reason": row.reason}
        await record(conn, now, BILLS, action, f"account:{row.account_id}", details)
