"""Staff decisions on held transfers, and the sweeps that keep payments moving.

Approving captures the hold in one entry with the fee; rejecting voids it. A review that
nobody decides before its deadline is rejected as expired, so a customer's money is never
held indefinitely. A transfer left in ``processing`` by a crash is carried on by the
recovery sweep with the same ledger keys.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select

from core import idempotency
from core.actors import SYSTEM, Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.crypto import Keyring
from core.errors import CoreError, ValidationFailed
from core.payments import repository as repo
from core.payments.config import PaymentsConfig
from core.payments.errors import PaymentNotPending
from core.payments.model import Decision, Operation, PaymentStatus, check_text
from core.payments.repository import PaymentView
from core.payments.settlement import Settlement
from core.payments.switches import SwitchService
from core.payments.tables import payments
from core.persistence.database import Database


class ReviewService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        switches: SwitchService,
        settlement: Settlement,
        config: PaymentsConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._keys = keys
        self._switches = switches
        self._settlement = settlement
        self._config = config

    async def approve(
        self, payment_id: UUID, actor: Actor, key: str, note: str | None = None
    ) -> PaymentView:
        """Release a held transfer: its hold is captured (amount and fee, one entry).

        Refused while a switch stops transfers in its currency. If the ledger refuses the
        capture (the account was frozen meanwhile), the hold is voided and the payment
        comes back ``failed`` with the ledger's code.
        """
        return await self._decide(payment_id, Decision.APPROVED, actor, key, note)

    async def reject(self, payment_id: UUID, actor: Actor, key: str, reason: str) -> PaymentView:
        """Refuse a held transfer: its hold is voided and its limit given back."""
        return await self._decide(payment_id, Decision.REJECTED, actor, key, reason)

    async def _decide(
        self,
        payment_id: UUID,
        decision: Decision,
        actor: Actor,
        key: str | None,
        note: str | None,
    ) -> PaymentView:
        now = self._clock.now()
        action = "approve_transfer" if decision is Decision.APPROVED else "reject_transfer"
        target = f"payment:{payment_id}"
        try:
            field = "note" if decision is Decision.APPROVED else "reason"
            text = None if note is None else check_text(note, field)
            if decision is not Decision.APPROVED and text is None:
                raise ValidationFailed("a rejection gives its reason", field="reason")
            if decision is Decision.APPROVED:
                current = await self._get(payment_id)
                await self._switches.ensure_enabled(Operation.TRANSFER_INTERNAL, current.currency)
            payment = await self._record(payment_id, decision, actor, key, text, now)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, action, target, exc)
            raise
        return (await self._settlement.advance(payment))[0]

    async def _record(
        self,
        payment_id: UUID,
        decision: Decision,
        actor: Actor,
        key: str | None,
        text: str | None,
        now: datetime,
    ) -> PaymentView:
        """Claim the staff member's key and record the decision (the payment goes back
        to ``processing`` for :class:`Settlement` to carry out)."""
        action = "approve_transfer" if decision is Decision.APPROVED else "reject_transfer"
        target = f"payment:{payment_id}"
        async with self._db.transaction() as conn:
            if key is not None:
                claim = await idempotency.claim(
                    conn,
                    scope=str(actor),
                    key=key,
                    command=action,
                    fingerprint_=idempotency.fingerprint(
                        action, {"payment_id": str(payment_id), "note": text}
                    ),
                    resource_id=payment_id,
                    at=now,
                )
                if not claim.is_new:  # a retry: carried on from wherever it is
                    return await repo.find(conn, payment_id, self._keys)
            payment = await repo.find(conn, payment_id, self._keys, lock=True)
            if payment.status is not PaymentStatus.PENDING_REVIEW:
                raise PaymentNotPending(payment_id=str(payment_id), status=payment.status)
            await repo.move(
                conn,
                payment_id,
                PaymentStatus.PENDING_REVIEW,
                PaymentStatus.PROCESSING,
                now,
                decision=decision.value,
                reviewed_by=str(actor),
                reviewed_at=now,
                review_note=text,
            )
            details = {"note": text, "amount": payment.amount, "currency": payment.currency}
            await record(conn, now, actor, action, target, details)
            return await repo.find(conn, payment_id, self._keys)

    async def _get(self, payment_id: UUID) -> PaymentView:
        async with self._db.read() as conn:
            return await repo.find(conn, payment_id, self._keys)

    # -- sweeps -------------------------------------------------------------------------

    async def expire_reviews(self, now: datetime) -> int:
        """Reject held transfers whose review deadline passed; returns how many."""
        async with self._db.read() as conn:
            due = (
                (
                    await conn.execute(
                        select(payments.c.id)
                        .where(
                            payments.c.status == PaymentStatus.PENDING_REVIEW.value,
                            payments.c.review_deadline <= now,
                        )
                        .limit(500)
                    )
                )
                .scalars()
                .all()
            )
        expired = 0
        for payment_id in due:
            try:
                await self._decide(payment_id, Decision.EXPIRED, SYSTEM, None, "review expired")
                expired += 1
            except PaymentNotPending:
                continue  # decided by staff meanwhile
        return expired

    async def recover(self, now: datetime) -> int:
        """Carry on transfers left in ``processing`` (a crash between steps)."""
        stale = now - self._config.recovery_after
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(payments)
                    .where(
                        payments.c.status == PaymentStatus.PROCESSING.value,
                        payments.c.updated_at <= stale,
                    )
                    .limit(500)
                )
            ).all()
        for row in rows:
            await self._settlement.advance(repo.view(row, self._keys))
        return len(rows)
