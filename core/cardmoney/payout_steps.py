"""Carrying a payout to a card through the ledger and the card network, step by step.

The customer's money goes to SUSPENSE when the payout is recorded (one entry: the
account pays amount + fee, suspense holds the amount, fee income the fee). The network
then settles it — suspense → settlement, one more entry — or fails it, and the first
entry is reversed: the customer gets everything back, fee included (docs/decisions/0048).

Every step has a ledger key derived from the payout (``payout:<id>:debit``, ``:settle``,
``:reverse``) under one service actor, and moves the payout's row with a compare-and-set,
its event and its audit record in one transaction. Whoever carries a payout on — the
request, its deferred job, the sweep after a crash, a second runner — asks the same
questions and gets the same single answer.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import structlog
from sqlalchemy import select

from core import events
from core.audit.log import record
from core.cardmoney import repository as repo
from core.cardmoney.checks import CARDMONEY, free_key
from core.cardmoney.config import CardMoneyConfig
from core.cardmoney.model import PayoutStage, PayoutView, next_check_delay
from core.cardmoney.policy import CardMoneyPolicy
from core.cardmoney.tables import cardmoney_payouts as payouts
from core.clock import Clock
from core.crypto import Keyring
from core.errors import CoreError
from core.ledger.commands import Leg, PostEntry, Reverse
from core.ledger.errors import AlreadyReversed
from core.ledger.model import BankPurpose, EntryKind
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.persistence.types import AnyRow
from core.ports import CardNetwork, CardNetworkUnavailable, PayoutAnswer, PayoutOrder, PayoutState

log = structlog.get_logger(__name__)
CARD_CONTEXT = "cardmoney.payout_card"  # the keyring context of payout card numbers
ADVANCE = "cardmoney.payout.advance"
_NOT_FINAL = [PayoutStage.CREATED, PayoutStage.DEBITED, PayoutStage.REVIEW, PayoutStage.SUBMITTED]


class PayoutSteps:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        ledger: LedgerService,
        policy: CardMoneyPolicy,
        network: CardNetwork | None,
        config: CardMoneyConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._keys = keys
        self._ledger = ledger
        self._policy = policy
        self.network = network
        self._config = config

    async def row(self, payout_id: UUID) -> AnyRow:
        async with self._db.read() as conn:
            return await repo.find_payout_row(conn, payout_id)

    # -- taking the money -------------------------------------------------------------

    async def debit(self, payout_id: UUID, *, refusal_raises: bool) -> PayoutView:
        """Move the customer's money to suspense (the payout's first step); safe to repeat.

        A ledger refusal fails the payout (nothing moved) and frees the caller's key;
        with ``refusal_raises`` the refusal is raised to the caller as well.
        """
        row = await self.row(payout_id)
        view = repo.payout_of(row)
        if view.stage is not PayoutStage.CREATED:
            return view
        suspense = await self._ledger.bank_account(BankPurpose.SUSPENSE, view.currency)
        legs = [
            Leg(view.account_id, -view.total, view.currency),
            Leg(suspense, view.amount, view.currency),
        ]
        if view.fee:
            income = await self._ledger.bank_account(BankPurpose.FEE_INCOME, view.currency)
            legs.append(Leg(income, view.fee, view.currency))
        description = f"{view.description} to {view.card_brand} •• {view.card_last4}"
        cmd = PostEntry(f"payout:{view.id}:debit", EntryKind.PAYOUT, tuple(legs), description)
        try:
            entry = await self._ledger.post_entry(cmd, CARDMONEY)
        except CoreError as exc:
            await self._refused(row, exc)
            if refusal_raises:
                raise
            return await self.get(payout_id)
        to = PayoutStage.REVIEW if view.review_reasons else PayoutStage.DEBITED
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_payout(
                conn,
                view.id,
                [PayoutStage.CREATED],
                to,
                now,
                debit_entry_id=entry.id,
                next_check_at=now,
            )
            if moved and to is PayoutStage.REVIEW:
                await events.record(conn, "payout.held", view.id, _payload(view), now)
                details = {"reasons": view.review_reasons}
                await record(conn, now, CARDMONEY, "hold_payout", f"payout:{view.id}", details)
            current = await repo.find_payout(conn, view.id)
        if not moved and current.stage is PayoutStage.FAILED and current.reversal_entry_id is None:
            # Refused by a concurrent attempt, then taken by this one: give it back.
            await self.fail(await self.row(view.id), "REFUSED")
        return current

    async def _refused(self, row: AnyRow, error: CoreError) -> None:
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_payout(
                conn,
                row.id,
                [PayoutStage.CREATED],
                PayoutStage.FAILED,
                now,
                failure_reason=error.code[:40],
                card_enc=None,
            )
            if moved:
                await free_key(conn, row.idempotency_scope, row.idempotency_key, row.id)
                details = {"code": error.code}
                await record(conn, now, CARDMONEY, "refuse_payout", f"payout:{row.id}", details)
        if moved:
            await self._policy.release(f"payout:{row.id}", CARDMONEY)

    async def get(self, payout_id: UUID) -> PayoutView:
        return repo.payout_of(await self.row(payout_id))

    # -- the background job -------------------------------------------------------------

    async def advance(self, payout_id: UUID) -> None:
        """The next step of a payout, whatever it is (the deferred job's handler)."""
        row = await self.row(payout_id)
        stage = PayoutStage(row.stage)
        if stage is PayoutStage.CREATED:
            if row.created_at + self._config.stuck_after <= self._clock.now():
                await self.debit(payout_id, refusal_raises=False)  # its request died
        elif stage is PayoutStage.DEBITED:
            await self._submit(row)
        elif stage is PayoutStage.SUBMITTED:
            await self._poll(row)

    async def _submit(self, row: AnyRow) -> None:
        assert self.network is not None  # payouts are only recorded with a network
        answer: PayoutAnswer | None = None
        if row.card_enc is not None:
            number = self._keys.decrypt(row.card_enc, context=CARD_CONTEXT)
            order = PayoutOrder(str(row.id), number, int(row.amount), row.currency)
            try:
                answer = await self.network.submit(order)
            except CardNetworkUnavailable:
                if self._clock.now() < row.created_at + self._config.submit_window:
                    raise  # the job is retried with back-off
        if answer is None:
            # Out of time (or the number is gone): did the network ever get it?
            answer = await self.network.status(str(row.id))
            if answer.state is PayoutState.UNKNOWN:
                answer = PayoutAnswer(PayoutState.FAILED, reason="NETWORK_UNREACHABLE")
        await self._answered(row, answer)

    async def _answered(self, row: AnyRow, answer: PayoutAnswer) -> None:
        if answer.state is PayoutState.FAILED:
            await self.fail(row, answer.reason or "FAILED")
            return
        if answer.state is PayoutState.UNKNOWN:
            raise CardNetworkUnavailable("the network answered unknown to a submission")
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_payout(
                conn,
                row.id,
                [PayoutStage.DEBITED],
                PayoutStage.SUBMITTED,
                now,
                network_reference=(answer.network_reference or "")[:100] or None,
                card_enc=None,  # the network has it: the number is not needed any more
                checks=0,
                next_check_at=now + self._config.poll_interval,
            )
            if moved:
                details = {"network_reference": answer.network_reference}
                await record(conn, now, CARDMONEY, "submit_payout", f"payout:{row.id}", details)
        if answer.state is PayoutState.COMPLETED:
            await self._settle(await self.row(row.id))

    async def _poll(self, row: AnyRow) -> None:
        assert self.network is not None
        answer = await self.network.status(str(row.id))
        if answer.state is PayoutState.COMPLETED:
            await self._settle(row)
        elif answer.state is PayoutState.FAILED:
            await self.fail(row, answer.reason or "FAILED")
        else:
            if answer.state is PayoutState.UNKNOWN:
                # It had acknowledged this payout: never guess, leave it to staff.
                log.error("card network does not know a submitted payout", payout_id=str(row.id))
            await self._later(row)

    async def _later(self, row: AnyRow) -> None:
        now = self._clock.now()
        checks = int(row.checks) + 1
        delay = next_check_delay(self._config.poll_interval, checks)
        async with self._db.transaction() as conn:
            await repo.set_payout(conn, row.id, now, checks=checks, next_check_at=now + delay)

    # -- outcomes -----------------------------------------------------------------------

    async def _settle(self, row: AnyRow) -> None:
        view = repo.payout_of(row)
        suspense = await self._ledger.bank_account(BankPurpose.SUSPENSE, view.currency)
        settlement = await self._ledger.bank_account(BankPurpose.SETTLEMENT, view.currency)
        legs = (
            Leg(suspense, -view.amount, view.currency),
            Leg(settlement, view.amount, view.currency),
        )
        description = f"Paid to {view.card_brand} •• {view.card_last4}"
        cmd = PostEntry(f"payout:{view.id}:settle", EntryKind.PAYOUT, legs, description)
        entry = await self._ledger.post_entry(cmd, CARDMONEY)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_payout(
                conn,
                view.id,
                [PayoutStage.SUBMITTED],
                PayoutStage.COMPLETED,
                now,
                settle_entry_id=entry.id,
            )
            if moved:
                payload = {**_payload(view), "entry_id": str(entry.id)}
                await events.record(conn, "payout.completed", view.id, payload, now)
                details = {"entry_id": str(entry.id)}
                await record(conn, now, CARDMONEY, "complete_payout", f"payout:{view.id}", details)

    async def fail(self, row: AnyRow, reason: str) -> None:
        """Fail the payout and give the customer everything back (fee included), once."""
        view = repo.payout_of(row)
        reversal_id: UUID | None = None
        if view.debit_entry_id is not None:
            cmd = Reverse(
                f"payout:{view.id}:reverse", view.debit_entry_id, "transfer to card failed"
            )
            try:
                reversal_id = (await self._ledger.reverse(cmd, CARDMONEY)).id
            except AlreadyReversed:
                pass  # staff gave it back by hand
            except CoreError as exc:
                # The account is frozen or closed: the money waits in suspense; retried.
                log.warning("payout reversal refused", payout_id=str(view.id), code=exc.code)
                await self._later(row)
                return
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_payout(
                conn,
                view.id,
                _NOT_FINAL,
                PayoutStage.FAILED,
                now,
                failure_reason=reason[:40],
                reversal_entry_id=reversal_id,
                card_enc=None,
            )
            if moved:
                payload = {**_payload(view), "reason": reason[:40]}
                await events.record(conn, "payout.failed", view.id, payload, now)
                details = {"reason": reason[:40], "reversal_entry_id": str(reversal_id)}
                await record(conn, now, CARDMONEY, "fail_payout", f"payout:{view.id}", details)
        if moved:
            await self._policy.release(f"payout:{view.id}", CARDMONEY)

    async def due(self, now: datetime, limit: int = 200) -> list[UUID]:
        """Payouts the job should look at now: in flight and due for their next check."""
        stages = [
            PayoutStage.CREATED.value,
            PayoutStage.DEBITED.value,
            PayoutStage.SUBMITTED.value,
        ]
        async with self._db.read() as conn:
            rows = await conn.execute(
                select(payouts.c.id)
                .where(payouts.c.stage.in_(stages), payouts.c.next_check_at <= now)
                .order_by(payouts.c.next_check_at)
                .limit(limit)
            )
            return [r.id for r in rows]


def _payload(view: PayoutView) -> dict[str, object]:
    return {
        "payout_id": str(view.id),
        "customer_id": str(view.customer_id),
        "account_id": str(view.account_id),
        "amount": view.amount,
        "fee": view.fee,
        "currency": view.currency,
        "card_last4": view.card_last4,
    }
