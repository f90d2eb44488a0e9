"""Transfers to cards of other banks: validated, recorded, paid for, then carried on.

Sending records the payout under the caller's idempotency key (the card number checked,
kept as last four, brand and a keyed blind index, and encrypted only until the network
has it), asks the policy first, and takes the customer's money into suspense at once, so
the answer already says whether the money was there. The network is asked by a deferred
job (:mod:`core.cardmoney.payout_steps`): the request never waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import insert

from core import idempotency
from core.accounts.service import AccountService
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cardmoney import checks
from core.cardmoney import repository as repo
from core.cardmoney.cards import CardNumber
from core.cardmoney.config import CardMoneyConfig
from core.cardmoney.errors import NotAvailable, PayoutNotInReview
from core.cardmoney.model import PayoutStage, PayoutView, Quote
from core.cardmoney.payout_steps import ADVANCE, CARD_CONTEXT, PayoutSteps
from core.cardmoney.policy import Admission, CardCharge, CardMoneyPolicy, Direction
from core.cardmoney.tables import cardmoney_payouts as payouts
from core.clock import Clock
from core.crypto import Keyring
from core.errors import CoreError
from core.jobs import JobQueue
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.ports import CardNetwork

COMMAND = "send_to_card"


@dataclass(frozen=True, slots=True)
class PayoutRequest:
    """A customer's transfer of ``amount`` from ``account_id`` to a card of another bank."""

    account_id: UUID
    card_number: str = field(repr=False)  # as typed; never logged, stored or echoed
    amount: int
    currency: str
    description: str = "Transfer to card"
    expected_fee: int | None = None  # the fee the customer was shown; refused if it moved


class PayoutService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        ledger: LedgerService,
        accounts: AccountService,
        queue: JobQueue,
        policy: CardMoneyPolicy,
        network: CardNetwork | None,
        config: CardMoneyConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._keys = keys
        self._accounts = accounts
        self._queue = queue
        self._policy = policy
        self._config = config
        self.steps = PayoutSteps(db, clock, keys, ledger, policy, network, config)

    @property
    def network(self) -> CardNetwork | None:
        return self.steps.network

    async def get(self, payout_id: UUID) -> PayoutView:
        return await self.steps.get(payout_id)

    async def quote(self, account_id: UUID, amount: int, currency: str) -> Quote:
        """What a payout of ``amount`` costs: ``total`` leaves the account."""
        code = checks.check_amount(amount, currency)
        charge = await self._charge(account_id, amount, code, None)
        return Quote(amount, await self._policy.fee(charge), code)

    async def _charge(
        self, account_id: UUID, amount: int, code: str, card_index: str | None
    ) -> CardCharge:
        account = await checks.eligible_account(self._accounts, account_id, code)
        assert account.customer_id is not None
        return CardCharge(
            Direction.PAYOUT, account.customer_id, account_id, amount, code, card_index
        )

    # -- sending ------------------------------------------------------------------------

    async def send(self, request: PayoutRequest, idempotency_key: str, actor: Actor) -> PayoutView:
        """Send money to a card: pending at once (the money taken), then completed or
        failed (the money given back) as the network decides.

        The same key with the same request returns the same payout. A refusal (funds,
        limits, a switch, a bad card number) records nothing that moves money and leaves
        the key free.
        """
        now = self._clock.now()
        try:
            if self.network is None:
                raise NotAvailable(operation="card_payout")
            card = CardNumber.parse(request.card_number)
            code = checks.check_amount(request.amount, request.currency)
            description = checks.check_description(request.description)
            card_index = self._keys.blind_index(card.digits, context=CARD_CONTEXT)
            fields = {
                "account_id": str(request.account_id),
                "card": card_index,
                "amount": request.amount,
                "currency": code,
                "description": description,
                "expected_fee": request.expected_fee,
            }
            digest = checks.fingerprint(COMMAND, fields)
            earlier = await checks.earlier_use(
                self._db, str(actor), idempotency_key, COMMAND, digest
            )
            if earlier is not None:
                return await self.get(earlier)
            charge = await self._charge(request.account_id, request.amount, code, card_index)
            fee = await self._policy.fee(charge)
            checks.check_expected_fee(request.expected_fee, fee)
            payout_id, new = await self._record(
                charge, fee, card, description, idempotency_key, digest, actor, now
            )
            if not new:
                return await self.get(payout_id)
            view = await self.steps.debit(payout_id, refusal_raises=True)
        except CoreError as exc:
            await record_rejection(
                self._db, now, actor, COMMAND, f"account:{request.account_id}", exc
            )
            raise
        if view.stage is PayoutStage.DEBITED:
            await self._queue.defer(ADVANCE, {"payout_id": str(view.id)}, key=f"payout:{view.id}")
        return view

    async def _record(
        self,
        charge: CardCharge,
        fee: int,
        card: CardNumber,
        description: str,
        key: str,
        digest: str,
        actor: Actor,
        now: datetime,
    ) -> tuple[UUID, bool]:
        payout_id = uuid4()
        reference = f"payout:{payout_id}"
        admission: Admission = await self._policy.admit(charge, fee, reference, actor)
        try:
            async with self._db.transaction() as conn:
                claim = await idempotency.claim(
                    conn,
                    scope=str(actor),
                    key=key,
                    command=COMMAND,
                    fingerprint_=digest,
                    resource_id=payout_id,
                    at=now,
                )
                if claim.is_new:
                    await conn.execute(
                        insert(payouts).values(
                            id=payout_id,
                            customer_id=charge.customer_id,
                            account_id=charge.account_id,
                            amount=charge.amount,
                            fee=fee,
                            currency=charge.currency,
                            stage=PayoutStage.CREATED.value,
                            description=description,
                            card_last4=card.last4,
                            card_brand=card.brand,
                            card_index=charge.card_index,
                            card_enc=self._keys.encrypt(card.digits, context=CARD_CONTEXT),
                            review_reasons=_reasons(admission),
                            idempotency_scope=str(actor),
                            idempotency_key=key,
                            checks=0,
                            next_check_at=now + self._config.stuck_after,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    details = {
                        "payout_id": str(payout_id),
                        "amount": charge.amount,
                        "fee": fee,
                        "currency": charge.currency,
                        "card_last4": card.last4,
                        "card_brand": card.brand,
                    }
                    await record(
                        conn, now, actor, COMMAND, f"account:{charge.account_id}", details
                    )
        except BaseException:
            await self._policy.release(reference, actor)
            raise
        if not claim.is_new:  # a concurrent duplicate recorded it first
            await self._policy.release(reference, actor)
        return claim.resource_id, claim.is_new

    # -- staff review -------------------------------------------------------------------

    async def decide_review(
        self, payout_id: UUID, approve: bool, reason: str, actor: Actor
    ) -> PayoutView:
        """Staff let a payout held for review go to the network, or give the money back."""
        now = self._clock.now()
        action = "approve_payout" if approve else "reject_payout"
        target = f"payout:{payout_id}"
        try:
            note = checks.check_description(reason)
            view = await self.get(payout_id)
            if view.stage is not PayoutStage.REVIEW:
                raise PayoutNotInReview(payout_id=str(payout_id), status=view.status.value)
            if not approve:
                async with self._db.transaction() as conn:
                    await record(conn, now, actor, action, target, {"reason": note})
                await self.steps.fail(await self.steps.row(payout_id), "REJECTED_IN_REVIEW")
                return await self.get(payout_id)
            async with self._db.transaction() as conn:
                moved = await repo.move_payout(
                    conn,
                    payout_id,
                    [PayoutStage.REVIEW],
                    PayoutStage.DEBITED,
                    now,
                    next_check_at=now,
                )
                if not moved:
                    raise PayoutNotInReview(payout_id=str(payout_id))
                await record(conn, now, actor, action, target, {"reason": note})
        except CoreError as exc:
            await record_rejection(self._db, now, actor, action, target, exc)
            raise
        await self._queue.defer(ADVANCE, {"payout_id": str(payout_id)}, key=f"payout:{payout_id}")
        return await self.get(payout_id)

    # -- the sweep ----------------------------------------------------------------------

    async def sweep(self, due: datetime) -> int:
        """Defer the next step of every payout due for one (a crash, a network that was
        down, a settlement to ask about); returns how many."""
        ids = await self.steps.due(self._clock.now())
        for payout_id in ids:
            await self._queue.defer(
                ADVANCE, {"payout_id": str(payout_id)}, key=f"payout:{payout_id}"
            )
        return len(ids)


def _reasons(admission: Admission) -> str | None:
    if not admission.review:
        return None
    return (", ".join(admission.reasons) or "review")[:200]
