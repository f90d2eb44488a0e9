"""A recorded bill payment carried to its end: debit, submission, the biller's answer,
settlement or refund — each step exactly once, whoever takes it (the customer's request,
a retry of it, or the reconciliation job).

Every step is idempotent on its own: ledger commands use keys derived from the payment
(``bill:<id>:debit|settle|refund``, all under the one :data:`BILLS` actor, so any path
finds the same key), and status changes are guarded updates of the locked row. The biller's
answer is *decided* once (``outcome``) before money follows it, so a late or duplicated
answer can never both settle and refund. See docs/decisions/0037 and 0038.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from core.bills import repository as repo
from core.bills.catalogue import Catalogue
from core.bills.config import BillsConfig
from core.bills.errors import BillerNotFound, BillsUnavailable
from core.bills.model import (
    FINAL,
    NOT_RECEIVED,
    Outcome,
    PaymentStatus,
    PaymentView,
    debit_legs,
    settle_legs,
)
from core.bills.policy import BillPolicy
from core.bills.transitions import BILLS, Transitions
from core.clock import Clock
from core.crypto import Keyring
from core.errors import CoreError
from core.jobs import JobQueue, Jobs, Periodic, Task
from core.ledger.commands import PostEntry, Reverse
from core.ledger.model import BankPurpose, EntryKind
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.persistence.types import AnyRow
from core.ports import BillAnswer, BillerGateway, BillOutcome, BillSubmission

log = logging.getLogger(__name__)

FIELDS_CONTEXT = "bills.payment.fields"
RECONCILE_TASK = "bills.reconcile"


class Settlement:
    """Carries recorded payments on; the reconciliation job's handlers live here too."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keyring: Keyring,
        ledger: LedgerService,
        catalogue: Catalogue,
        gateway: BillerGateway | None,
        queue: JobQueue,
        config: BillsConfig,
        policy: BillPolicy,
    ) -> None:
        self._db, self._clock, self._keys, self._ledger = db, clock, keyring, ledger
        self._catalogue, self._gateway, self._queue = catalogue, gateway, queue
        self._config = config
        self._policy = policy
        self._moves = Transitions(db, clock, config)

    # -- the way through ------------------------------------------------------------

    async def carry_out(self, payment_id: UUID) -> PaymentView:
        """Debit a recorded payment, submit it and act on the answer.

        A debit the ledger refuses declines the payment (its key is freed) and raises.
        """
        row = await self._row(payment_id)
        if row.status == PaymentStatus.CREATED:
            try:
                # Counted against the customer's limits right before the money moves.
                await self._policy.count(
                    row.id, row.customer_id, row.amount + row.fee, row.currency
                )
                entry_id = await self._debit(row)
            except CoreError as exc:
                await self._policy.uncount(row.id)
                await self._moves.decline(row, exc)
                raise
            await self._moves.submitted(payment_id, entry_id)
            row = await self._row(payment_id)
            if row.status == PaymentStatus.SUBMITTED and row.outcome is None:
                answer = await self._ask(self._submit(row))
                return await self.apply(payment_id, answer)
        return self.view(row)

    async def resume(self, payment_id: UUID) -> PaymentView:
        """A repeated request: the payment as it stands, carried on if its first request
        died before the debit (recorded longer than ``resume_after`` ago)."""
        row = await self._row(payment_id)
        stale = row.created_at + self._config.resume_after <= self._clock.now()
        if row.status == PaymentStatus.CREATED and stale:
            return await self.carry_out(payment_id)
        return self.view(row)

    async def apply(self, payment_id: UUID, answer: BillAnswer | None) -> PaymentView:
        """Act on the biller's answer: decide and settle, or wait and ask again later."""
        if answer is None or answer.outcome in (BillOutcome.PENDING, BillOutcome.NOT_FOUND):
            row = await self._moves.wait(payment_id)
            if row.status == PaymentStatus.UNKNOWN and row.next_check_at is not None:
                await self._defer(row.id, row.checks, row.next_check_at - self._clock.now())
            return self.view(row)
        outcome = Outcome.ACCEPTED if answer.outcome is BillOutcome.ACCEPTED else Outcome.REJECTED
        await self._moves.decide(payment_id, outcome, answer.provider_reference, answer.reason)
        return await self.finish(payment_id)

    async def finish(self, payment_id: UUID) -> PaymentView:
        """Move the money the decided outcome calls for, then close the payment."""
        row = await self._row(payment_id)
        if row.status in FINAL or row.outcome is None:
            return self.view(row)
        try:
            entry_id = await self._money(row)
        except CoreError as exc:
            # e.g. the customer's account frozen meanwhile: the refund waits for it.
            log.warning("bill %s: could not %s (%s)", payment_id, row.outcome, exc.code)
            await self._moves.later(payment_id, row.checks + 1)
            return self.view(await self._row(payment_id))
        return self.view(await self._moves.close(payment_id, entry_id))

    # -- reconciliation ---------------------------------------------------------------

    async def reconcile(self, payment_id: UUID) -> None:
        """The job: bring one unfinished payment forward, once it is due."""
        row = await self._row(payment_id)
        if row.status in FINAL or (row.next_check_at and row.next_check_at > self._clock.now()):
            return
        if row.outcome is not None:
            await self.finish(payment_id)
        elif row.status == PaymentStatus.CREATED:
            try:
                await self.carry_out(payment_id)
            except CoreError as exc:  # declined and recorded; nothing to retry
                log.info("bill %s declined on resumption (%s)", payment_id, exc.code)
        else:
            answer = await self._ask(self._require_gateway().status(str(payment_id)))
            await self._moves.checked(payment_id)
            if answer is not None and answer.outcome is BillOutcome.NOT_FOUND:
                answer = BillAnswer(BillOutcome.REJECTED, reason=NOT_RECEIVED)
            await self.apply(payment_id, answer)

    async def sweep(self, due: datetime) -> int:
        """The periodic job: queue a check of every unfinished payment that is due."""
        async with self._db.read() as conn:
            rows = await repo.due_for_check(conn, due, self._config.sweep_batch)
        for row in rows:
            await self._defer(row.id, row.checks)
        return len(rows)

    def jobs(self) -> Jobs:
        """The reconciliation task and its periodic sweep."""

        async def handle(payload: Mapping[str, Any]) -> None:
            await self.reconcile(UUID(str(payload["payment_id"])))

        async def sweep(due: datetime) -> None:
            await self.sweep(due)

        return Jobs(
            tasks=[Task(RECONCILE_TASK, handle)],
            periodic=[Periodic("bills.reconcile_sweep", self._config.sweep_every, sweep)],
        )

    # -- steps ----------------------------------------------------------------------------

    async def _debit(self, row: AnyRow) -> UUID:
        legs = debit_legs(
            account=row.account_id,
            suspense=await self._ledger.bank_account(BankPurpose.SUSPENSE, row.currency),
            fee_income=await self._ledger.bank_account(BankPurpose.FEE_INCOME, row.currency),
            amount=row.amount,
            fee=row.fee,
            currency=row.currency,
        )
        command = PostEntry(
            f"bill:{row.id}:debit",
            EntryKind.PAYMENT,
            legs,
            f"Bill payment: {self._name(row.biller_id)}",
            event_type="bill.debited",
        )
        return (await self._ledger.post_entry(command, BILLS)).id

    async def _money(self, row: AnyRow) -> UUID:
        name = self._name(row.biller_id)
        if row.outcome == Outcome.ACCEPTED:
            legs = settle_legs(
                suspense=await self._ledger.bank_account(BankPurpose.SUSPENSE, row.currency),
                settlement=await self._ledger.bank_account(BankPurpose.SETTLEMENT, row.currency),
                amount=row.amount,
                currency=row.currency,
            )
            command = PostEntry(
                f"bill:{row.id}:settle",
                EntryKind.PAYMENT,
                legs,
                f"Bill settlement: {name}",
                event_type="bill.settled",
            )
            return (await self._ledger.post_entry(command, BILLS)).id
        reverse = Reverse(
            f"bill:{row.id}:refund", row.debit_entry_id, f"{name} rejected the payment"
        )
        entry_id = (await self._ledger.reverse(reverse, BILLS)).id
        await self._policy.uncount(row.id)  # the money is back: so is the allowance
        return entry_id

    def _submit(self, row: AnyRow) -> Awaitable[BillAnswer]:
        fields = json.loads(self._keys.decrypt(row.fields_enc, context=FIELDS_CONTEXT))
        submission = BillSubmission(str(row.id), row.biller_id, fields, row.amount, row.currency)
        return self._require_gateway().pay(submission)

    async def _ask(self, call: Awaitable[BillAnswer]) -> BillAnswer | None:
        """The gateway's answer within the timeout; None when there is none."""
        try:
            return await asyncio.wait_for(call, self._config.gateway_timeout.total_seconds())
        except Exception as exc:  # any failure is "no answer": reconciliation asks again
            log.warning("the biller gateway gave no answer (%s)", type(exc).__name__)
            return None

    # -- helpers --------------------------------------------------------------------------

    async def _defer(self, payment_id: UUID, checks: int, delay: Any = None) -> None:
        # One job per check: a running job may queue the next without its key colliding.
        await self._queue.defer(
            RECONCILE_TASK,
            {"payment_id": str(payment_id)},
            key=f"{RECONCILE_TASK}:{payment_id}:{checks}",
            delay=delay,
        )

    async def _row(self, payment_id: UUID) -> AnyRow:
        async with self._db.read() as conn:
            return await repo.payment(conn, payment_id)

    def _require_gateway(self) -> BillerGateway:
        if self._gateway is None:
            raise BillsUnavailable()
        return self._gateway

    def _name(self, biller_id: str) -> str:
        try:
            return self._catalogue.get(biller_id).name
        except BillerNotFound:  # withdrawn from the catalogue since: its id still names it
            return biller_id

    def view(self, row: AnyRow) -> PaymentView:
        """The payment as callers see it."""
        return PaymentView(
            id=row.id,
            customer_id=row.customer_id,
            account_id=row.account_id,
            biller_id=row.biller_id,
            biller_name=self._name(row.biller_id),
            fields=dict(row.fields_masked),
            amount=row.amount,
            fee=row.fee,
            currency=row.currency,
            status=PaymentStatus(row.status),
            reason=row.reason,
            provider_reference=row.provider_reference,
            payee_id=row.payee_id,
            debit_entry_id=row.debit_entry_id,
            final_entry_id=row.final_entry_id,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )
