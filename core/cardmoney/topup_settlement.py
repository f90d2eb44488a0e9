"""A top-up after the hosted page: the acquirer's notice, the credit, the sweep.

A verified notice moves the top-up with a compare-and-set; a success is then credited by
one ledger entry (settlement → the account, the fee to fee income) whose key is derived
from the top-up — so a duplicated or concurrent callback, the sweep and a retry all ask
the ledger the same question and credit once. The completion, its ``topup.completed``
event and its audit record are one transaction that only the first to get there commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.audit.log import record
from core.cardmoney import repository as repo
from core.cardmoney.checks import CARDMONEY
from core.cardmoney.errors import (
    CallbackMalformed,
    CallbackMismatch,
    CallbackSignatureInvalid,
    NotAvailable,
)
from core.cardmoney.model import OPEN_TOPUP, TopUpStatus, TopUpView, after_notice
from core.cardmoney.tables import cardmoney_topups as topups
from core.clock import Clock
from core.errors import CoreError
from core.ledger.commands import Leg, PostEntry
from core.ledger.model import BankPurpose, EntryKind
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.ports import Acquirer, AcquirerUnavailable, CallbackRejected, PaymentNotice

log = structlog.get_logger(__name__)
SWEEP_BATCH = 200
# A success may come after a failure or an expiry: the acquirer charged the card, so the
# money is the customer's (docs/decisions/0046).
_PAYABLE = [*OPEN_TOPUP, TopUpStatus.FAILED, TopUpStatus.EXPIRED]


class TopUpSettlement:
    def __init__(
        self, db: Database, clock: Clock, ledger: LedgerService, acquirer: Acquirer | None
    ) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger
        self._acquirer = acquirer

    async def receive_callback(self, body: bytes, headers: Mapping[str, str]) -> TopUpView:
        """Verify a callback on its raw body and apply it; a forgery changes nothing."""
        if self._acquirer is None:
            raise NotAvailable(operation="topup")
        try:
            notice = self._acquirer.verify_callback(body, headers, self._clock.now())
        except CallbackRejected as exc:
            # Logged, not audited: a flood of forgeries must not grow the audit chain.
            log.warning("acquirer callback rejected", reason=exc.reason)
            raise CallbackSignatureInvalid(reason=exc.reason) from None
        except ValueError:
            log.warning("acquirer callback signed but malformed")
            raise CallbackMalformed() from None
        return await self.apply(notice)

    async def apply(self, notice: PaymentNotice) -> TopUpView:
        """Move the top-up as ``notice`` says; credit it (once) if it was paid."""
        try:
            topup_id = UUID(notice.reference)
        except ValueError:
            raise CallbackMalformed() from None
        now = self._clock.now()
        async with self._db.transaction() as conn:
            view = await repo.find_topup(conn, topup_id)
            _ensure_matches(view, notice)
            to = after_notice(view.status, notice.outcome)
            if to is not None and await self._move(conn, view, notice, to, now):
                await self._recorded(conn, view, notice, to, now)
            view = await repo.find_topup(conn, topup_id)
        if view.status is TopUpStatus.PROCESSING:
            return await self.credit(view)
        return view

    async def _move(
        self,
        conn: AsyncConnection,
        view: TopUpView,
        notice: PaymentNotice,
        to: TopUpStatus,
        now: datetime,
    ) -> bool:
        paid = to is TopUpStatus.PROCESSING
        return await repo.move_topup(
            conn,
            view.id,
            _PAYABLE if paid else OPEN_TOPUP,
            to,
            now,
            acquirer_reference=notice.acquirer_reference,
            card_last4=_last4(notice.card_last4),
            card_brand=_brand(notice.card_brand),
            failure_reason=None if paid else _reason(notice.reason),
        )

    async def _recorded(
        self,
        conn: AsyncConnection,
        view: TopUpView,
        notice: PaymentNotice,
        to: TopUpStatus,
        now: datetime,
    ) -> None:
        target = f"topup:{view.id}"
        if to is TopUpStatus.PROCESSING:
            details = {
                "card_last4": _last4(notice.card_last4),
                "card_brand": _brand(notice.card_brand),
            }
            await record(conn, now, CARDMONEY, "topup_paid", target, details)
            return
        reason = _reason(notice.reason)
        await record(conn, now, CARDMONEY, "topup_failed", target, {"reason": reason})
        payload = {
            "topup_id": str(view.id),
            "customer_id": str(view.customer_id),
            "account_id": str(view.account_id),
            "amount": view.amount,
            "currency": view.currency,
            "reason": reason,
        }
        await events.record(conn, "topup.failed", view.id, payload, now)

    async def credit(self, view: TopUpView) -> TopUpView:
        """Credit a paid top-up through the ledger and complete it; safe to repeat.

        If the ledger refuses (the account was frozen or closed meanwhile), the top-up
        stays ``processing`` and the sweep tries again: the money was taken from the card
        and stays the customer's.
        """
        settlement = await self._ledger.bank_account(BankPurpose.SETTLEMENT, view.currency)
        legs = [
            Leg(settlement, -view.total, view.currency),
            Leg(view.account_id, view.amount, view.currency),
        ]
        if view.fee:
            income = await self._ledger.bank_account(BankPurpose.FEE_INCOME, view.currency)
            legs.append(Leg(income, view.fee, view.currency))
        card = f" {view.card_brand or 'card'} •• {view.card_last4}" if view.card_last4 else " card"
        cmd = PostEntry(
            f"topup:{view.id}:credit", EntryKind.TOPUP, tuple(legs), f"Top-up from{card}"
        )
        try:
            entry = await self._ledger.post_entry(cmd, CARDMONEY)
        except CoreError as exc:
            log.warning(
                "top-up credit refused; retried by the sweep", topup_id=str(view.id), code=exc.code
            )
            return view
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_topup(
                conn,
                view.id,
                [TopUpStatus.PROCESSING],
                TopUpStatus.COMPLETED,
                now,
                entry_id=entry.id,
            )
            if moved:
                payload = {
                    "customer_id": str(view.customer_id),
                    "account_id": str(view.account_id),
                    "entry_id": str(entry.id),
                    "amount": view.amount,
                    "currency": view.currency,
                    "topup_id": str(view.id),
                    "fee": view.fee,
                }
                await events.record(conn, "topup.completed", view.id, payload, now)
                details = {"entry_id": str(entry.id), "amount": view.amount, "fee": view.fee}
                await record(conn, now, CARDMONEY, "complete_topup", f"topup:{view.id}", details)
            return await repo.find_topup(conn, view.id)

    # -- the sweep --------------------------------------------------------------------

    async def sweep(self, due: datetime) -> int:
        """Expire sessions past their time (after asking the acquirer whether they were
        paid after all: a lost callback) and credit paid top-ups left ``processing``."""
        now = self._clock.now()
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(topups)
                    .where(
                        (topups.c.status == TopUpStatus.PROCESSING.value)
                        | (
                            topups.c.status.in_([s.value for s in OPEN_TOPUP])
                            & (topups.c.expires_at <= now)
                        )
                    )
                    .order_by(topups.c.expires_at)
                    .limit(SWEEP_BATCH)
                )
            ).all()
        done = 0
        for row in rows:
            view = repo.topup_of(row)
            try:
                if view.status is TopUpStatus.PROCESSING:
                    await self.credit(view)
                else:
                    await self._expire(view, row.acquirer_reference)
                done += 1
            except (AcquirerUnavailable, CoreError) as exc:
                # One top-up's trouble must not stop the sweep; the next one retries it.
                log.warning(
                    "top-up sweep skipped one", topup_id=str(view.id), error=type(exc).__name__
                )
        return done

    async def _expire(self, view: TopUpView, acquirer_reference: str | None) -> None:
        if acquirer_reference is not None and self._acquirer is not None:
            notice = await self._acquirer.lookup(acquirer_reference)
            if notice is not None:
                await self.apply(notice)
                return
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_topup(
                conn, view.id, OPEN_TOPUP, TopUpStatus.EXPIRED, now, failure_reason="expired"
            )
            if moved:
                await record(conn, now, CARDMONEY, "expire_topup", f"topup:{view.id}", {})


def _ensure_matches(view: TopUpView, notice: PaymentNotice) -> None:
    """A signed notice still has to be about this top-up, for its exact amount."""
    same_session = view.acquirer_reference in (None, notice.acquirer_reference)
    if notice.amount != view.total or notice.currency.upper() != view.currency or not same_session:
        log.error("acquirer notice does not match its top-up", topup_id=str(view.id))
        raise CallbackMismatch(topup_id=str(view.id))


def _last4(value: str | None) -> str | None:
    return value if value is not None and len(value) == 4 and value.isdigit() else None


def _brand(value: str | None) -> str | None:
    text = (value or "").strip().lower()[:20]
    return text if text.isprintable() and text else None


def _reason(value: str | None) -> str:
    text = (value or "failed").strip()[:40]
    return text if text.isprintable() and text else "failed"
