"""Top-ups from cards of other banks: a payment session at the acquirer, the customer on
its hosted page, a signed callback, and the credit through the ledger.

Starting a top-up records it under the caller's idempotency key, then asks the acquirer
for a session (idempotent on the top-up's id, so a retry with the same key opens the same
page). What happens once the customer has paid, or not, is in
:mod:`core.cardmoney.topup_settlement`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import structlog
from sqlalchemy import insert

from core import idempotency
from core.accounts.service import AccountService
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cardmoney import checks
from core.cardmoney import repository as repo
from core.cardmoney.checks import CARDMONEY
from core.cardmoney.config import CardMoneyConfig
from core.cardmoney.errors import AcquirerDown, NotAvailable
from core.cardmoney.model import Quote, TopUpStatus, TopUpView, check_return_url
from core.cardmoney.policy import CardCharge, CardMoneyPolicy, Direction
from core.cardmoney.tables import cardmoney_topups as topups
from core.cardmoney.topup_settlement import TopUpSettlement
from core.clock import Clock
from core.errors import CoreError
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.ports import Acquirer, AcquirerUnavailable, PaymentSessionRequest

log = structlog.get_logger(__name__)
COMMAND = "start_topup"


@dataclass(frozen=True, slots=True)
class TopUpRequest:
    """A customer's top-up of ``account_id`` by ``amount`` from a card of another bank."""

    account_id: UUID
    amount: int
    currency: str
    return_url: str  # where the hosted page sends the customer back
    expected_fee: int | None = None  # the fee the customer was shown; refused if it moved


class TopUpService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        ledger: LedgerService,
        accounts: AccountService,
        policy: CardMoneyPolicy,
        acquirer: Acquirer | None,
        config: CardMoneyConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._ledger = ledger
        self._accounts = accounts
        self._policy = policy
        self.acquirer = acquirer
        self._config = config
        self.settlement = TopUpSettlement(db, clock, ledger, acquirer)

    # -- queries ----------------------------------------------------------------------

    async def get(self, topup_id: UUID) -> TopUpView:
        async with self._db.read() as conn:
            return await repo.find_topup(conn, topup_id)

    async def quote(self, account_id: UUID, amount: int, currency: str) -> Quote:
        """What a top-up of ``amount`` costs: the card is charged ``total``."""
        code = checks.check_amount(amount, currency)
        account = await checks.eligible_account(self._accounts, account_id, code)
        assert account.customer_id is not None  # eligible accounts are customers'
        charge = CardCharge(Direction.TOPUP, account.customer_id, account_id, amount, code)
        return Quote(amount, await self._policy.fee(charge), code)

    # -- starting ---------------------------------------------------------------------

    async def start(self, request: TopUpRequest, idempotency_key: str, actor: Actor) -> TopUpView:
        """Record a top-up and open the acquirer's hosted page for it.

        The same key with the same request returns the same top-up (and page). When the
        acquirer does not answer, ``ACQUIRER_UNAVAILABLE``: the same call may be repeated.
        """
        now = self._clock.now()
        try:
            if self.acquirer is None:
                raise NotAvailable(operation="topup")
            code = checks.check_amount(request.amount, request.currency)
            url = check_return_url(request.return_url)
            fields = {
                "account_id": str(request.account_id),
                "amount": request.amount,
                "currency": code,
                "return_url": url,
                "expected_fee": request.expected_fee,
            }
            digest = checks.fingerprint(COMMAND, fields)
            earlier = await checks.earlier_use(
                self._db, str(actor), idempotency_key, COMMAND, digest
            )
            if earlier is not None:
                return await self._open(await self.get(earlier))
            quote = await self.quote(request.account_id, request.amount, code)
            checks.check_expected_fee(request.expected_fee, quote.fee)
            view = await self._record(request, quote, url, idempotency_key, digest, actor, now)
            return await self._open(view)
        except CoreError as exc:
            target = f"account:{request.account_id}"
            await record_rejection(self._db, now, actor, COMMAND, target, exc)
            raise

    async def _record(
        self,
        request: TopUpRequest,
        quote: Quote,
        url: str,
        key: str,
        digest: str,
        actor: Actor,
        now: datetime,
    ) -> TopUpView:
        account = await self._accounts.get(request.account_id)
        assert account.customer_id is not None
        topup_id = uuid4()
        reference = f"topup:{topup_id}"
        charge = CardCharge(
            Direction.TOPUP, account.customer_id, account.id, quote.amount, quote.currency
        )
        await self._policy.admit(charge, quote.fee, reference, actor)
        try:
            async with self._db.transaction() as conn:
                claim = await idempotency.claim(
                    conn,
                    scope=str(actor),
                    key=key,
                    command=COMMAND,
                    fingerprint_=digest,
                    resource_id=topup_id,
                    at=now,
                )
                if claim.is_new:
                    await conn.execute(
                        insert(topups).values(
                            id=topup_id,
                            customer_id=account.customer_id,
                            account_id=account.id,
                            amount=quote.amount,
                            fee=quote.fee,
                            currency=quote.currency,
                            status=TopUpStatus.CREATED.value,
                            return_url=url,
                            expires_at=now + self._config.session_ttl,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                    details = {"topup_id": str(topup_id), "amount": quote.amount, "fee": quote.fee}
                    await record(conn, now, actor, COMMAND, f"account:{account.id}", details)
        except BaseException:
            await self._policy.release(reference, actor)
            raise
        if not claim.is_new:  # a concurrent duplicate recorded it first
            await self._policy.release(reference, actor)
        return await self.get(claim.resource_id)

    async def _open(self, view: TopUpView) -> TopUpView:
        """Ask the acquirer for the top-up's hosted page, unless it has one already."""
        if view.status is not TopUpStatus.CREATED or view.expires_at <= self._clock.now():
            return view
        assert self.acquirer is not None
        request = PaymentSessionRequest(
            reference=str(view.id),
            amount=view.total,
            currency=view.currency,
            description="Top-up of a Teller account",
            return_url=view.return_url,
            callback_url=self._config.callback_url,
            expires_at=view.expires_at,
        )
        try:
            session = await self.acquirer.create_session(request)
        except AcquirerUnavailable as exc:
            log.warning("acquirer unavailable", topup_id=str(view.id))
            raise AcquirerDown(topup_id=str(view.id)) from exc
        now = self._clock.now()
        async with self._db.transaction() as conn:
            moved = await repo.move_topup(
                conn,
                view.id,
                [TopUpStatus.CREATED],
                TopUpStatus.AWAITING_PAYMENT,
                now,
                acquirer_reference=session.acquirer_reference,
                payment_url=session.payment_url,
            )
            if moved:
                details = {"acquirer_reference": session.acquirer_reference}
                await record(conn, now, CARDMONEY, "open_topup", f"topup:{view.id}", details)
            return await repo.find_topup(conn, view.id)

    # -- the acquirer's answer (see core.cardmoney.topup_settlement) -------------------

    async def receive_callback(self, body: bytes, headers: Mapping[str, str]) -> TopUpView:
        """Verify a callback on its raw body and apply it; a forgery changes nothing."""
        return await self.settlement.receive_callback(body, headers)

    async def sweep(self, due: datetime) -> int:
        """Expire abandoned sessions and credit paid ones left behind; returns how many."""
        return await self.settlement.sweep(due)
