"""Carrying a transfer through the ledger: post it, hold it for review, capture or void.

Every ledger command here has a key derived from the payment (``payment:<id>:entry``,
``:hold``, ``:capture``, ``:void``) under one service actor, so whoever carries a payment
on — the request itself, its retry, the recovery sweep after a crash — asks the ledger the
same question and gets the same single answer. The payment's row then moves on with a
compare-and-set, its event and its audit record in one transaction.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.actors import Actor, ActorKind
from core.audit.log import record
from core.clock import Clock
from core.crypto import Keyring
from core.errors import CoreError
from core.ledger.commands import Leg, PlaceHold, PostEntry, VoidHold
from core.ledger.errors import HoldExpired, HoldNotPending
from core.ledger.model import BankPurpose, EntryKind
from core.ledger.service import LedgerService
from core.payments import repository as repo
from core.payments.config import PaymentsConfig
from core.payments.limit_service import LimitService
from core.payments.model import Decision, PaymentStatus
from core.payments.repository import PaymentView
from core.payments.tables import money_requests
from core.persistence.database import Database
from core.persistence.tables import idempotency_keys

PAYMENTS_ACTOR = Actor(ActorKind.SYSTEM, "payments")
Outcome = tuple[PaymentView, CoreError | None]


def limit_reference(payment: PaymentView) -> str:
    return f"payment:{payment.id}"


class Settlement:
    """Moves a payment in ``processing`` to where its ledger step leads."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        ledger: LedgerService,
        limits: LimitService,
        config: PaymentsConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._keys = keys
        self._ledger = ledger
        self._limits = limits
        self._config = config

    async def advance(self, payment: PaymentView) -> Outcome:
        """Do the payment's next ledger step and record where it leads.

        Returns the payment as it now stands and, if the ledger refused, its error.
        """
        if payment.status is not PaymentStatus.PROCESSING:
            return payment, None
        if payment.decision is None:
            if payment.held:
                return await self._hold(payment)
            return await self._post(payment, capture=False)
        if payment.decision is Decision.APPROVED:
            return await self._post(payment, capture=True)
        return await self._void(payment)

    # -- ledger steps -----------------------------------------------------------------

    async def _post(self, payment: PaymentView, *, capture: bool) -> Outcome:
        legs = [
            Leg(payment.source_account_id, -payment.total, payment.currency),
            Leg(payment.destination_account_id, payment.amount, payment.currency),
        ]
        if payment.fee:
            income = await self._ledger.bank_account(BankPurpose.FEE_INCOME, payment.currency)
            legs.append(Leg(income, payment.fee, payment.currency))
        cmd = PostEntry(
            f"payment:{payment.id}:{'capture' if capture else 'entry'}",
            EntryKind.TRANSFER,
            tuple(legs),
            payment.description,
            capture_hold=payment.hold_id if capture else None,
        )
        try:
            entry = await self._ledger.post_entry(cmd, PAYMENTS_ACTOR)
        except CoreError as exc:
            if capture:
                await self._release_hold(payment)
            return await self._fail(payment, exc, free_key=not capture)
        payload = {
            "entry_id": str(entry.id),
            "customer_id": str(payment.payer_customer_id),
            "amount": payment.amount,
            "currency": payment.currency,
            "payment_id": str(payment.id),
            "recipient_customer_id": str(payment.recipient_customer_id),
            "fee": payment.fee,
        }
        return await self._finish(
            payment,
            PaymentStatus.COMPLETED,
            "complete_transfer",
            ("transfer.completed", payload),
            {"entry_id": entry.id},
            request_status="paid",
        )

    async def _hold(self, payment: PaymentView) -> Outcome:
        window = self._config.review_window
        cmd = PlaceHold(
            f"payment:{payment.id}:hold",
            payment.source_account_id,
            payment.destination_account_id,
            payment.total,
            payment.currency,
            "Transfer under review",
            int((window + timedelta(days=1)).total_seconds()),
        )
        try:
            hold = await self._ledger.place_hold(cmd, PAYMENTS_ACTOR)
        except CoreError as exc:
            return await self._fail(payment, exc, free_key=True)
        payload = {
            "payment_id": str(payment.id),
            "customer_id": str(payment.payer_customer_id),
            "amount": payment.amount,
            "fee": payment.fee,
            "currency": payment.currency,
        }
        return await self._finish(
            payment,
            PaymentStatus.PENDING_REVIEW,
            "hold_transfer",
            ("transfer.held", payload),
            {"hold_id": hold.id, "review_deadline": hold.created_at + window},
        )

    async def _void(self, payment: PaymentView) -> Outcome:
        await self._release_hold(payment)
        assert payment.decision is not None
        payload = {
            "payment_id": str(payment.id),
            "customer_id": str(payment.payer_customer_id),
            "amount": payment.amount,
            "fee": payment.fee,
            "currency": payment.currency,
            "reason": payment.decision.value,
        }
        return await self._finish(
            payment,
            PaymentStatus.REJECTED,
            "reject_transfer",
            ("transfer.rejected", payload),
            {},
            release=True,
            request_status="pending",
        )

    async def _release_hold(self, payment: PaymentView) -> None:
        if payment.hold_id is None:
            return
        # Posted or voided already, or past its time (the hold expiry job releases it).
        with suppress(HoldNotPending, HoldExpired):
            await self._ledger.void_hold(
                VoidHold(f"payment:{payment.id}:void", payment.hold_id), PAYMENTS_ACTOR
            )

    async def _fail(self, payment: PaymentView, error: CoreError, *, free_key: bool) -> Outcome:
        payload = {
            "payment_id": str(payment.id),
            "customer_id": str(payment.payer_customer_id),
            "amount": payment.amount,
            "currency": payment.currency,
            "code": error.code,
        }
        view, _ = await self._finish(
            payment,
            PaymentStatus.FAILED,
            "fail_transfer",
            ("transfer.failed", payload),
            {"failure_code": error.code},
            release=True,
            free_key=free_key,
            request_status="pending",
        )
        return view, error

    # -- recording the outcome ----------------------------------------------------------

    async def _finish(
        self,
        payment: PaymentView,
        status: PaymentStatus,
        action: str,
        event: tuple[str, dict[str, Any]],
        values: dict[str, Any],
        *,
        release: bool = False,
        free_key: bool = False,
        request_status: str | None = None,
    ) -> Outcome:
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move(
                conn, payment.id, PaymentStatus.PROCESSING, status, now, **values
            )
            if moved:
                if release:
                    await self._limits.release_in(conn, limit_reference(payment), now)
                if free_key:
                    # As a refused ledger command does: the caller may try again with the
                    # same key (after topping up, say); the failed payment stays on record.
                    await conn.execute(
                        delete(idempotency_keys).where(
                            idempotency_keys.c.scope == payment.idempotency_scope,
                            idempotency_keys.c.key == payment.idempotency_key,
                            idempotency_keys.c.resource_id == payment.id,
                        )
                    )
                if payment.money_request_id is not None and request_status is not None:
                    await _settle_request(conn, payment, request_status, now)
                await events.record(conn, event[0], payment.id, event[1], now)
                details = {"status": status.value, **{k: str(v) for k, v in values.items()}}
                await record(conn, now, PAYMENTS_ACTOR, action, f"payment:{payment.id}", details)
            current = await repo.find(conn, payment.id, self._keys)
        return current, None


async def _settle_request(
    conn: AsyncConnection, payment: PaymentView, status: str, now: datetime
) -> None:
    """A money request paid by this payment is paid; if the payment failed or was
    rejected, the request is open again for the payer to try once more."""
    request_id = payment.money_request_id
    reopened = status == "pending"
    await conn.execute(
        update(money_requests)
        .where(money_requests.c.id == request_id, money_requests.c.status == "accepted")
        .values(
            status=status,
            payment_id=None if reopened else payment.id,
            updated_at=now,
        )
    )
    if not reopened:
        row = (
            await conn.execute(money_requests.select().where(money_requests.c.id == request_id))
        ).one()
        await events.record(
            conn,
            "money_request.paid",
            request_id,
            {
                "request_id": str(request_id),
                "requester_customer_id": str(row.requester_customer_id),
                "payer_customer_id": str(row.payer_customer_id),
                "amount": int(row.amount),
                "currency": row.currency,
                "payment_id": str(payment.id),
            },
            now,
        )
