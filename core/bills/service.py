"""Bill payments: the catalogue, validation, quotes, paying, receipts, saved payees.

Paying is recorded before any money moves (the payment's id is its idempotency anchor and
the reference the biller knows it by), then carried out by :mod:`core.bills.settlement`.
The caller's idempotency key covers the whole payment: a repeated request returns the
payment as it stands and never pays twice; a payment the bank declines (funds, account)
frees its key, as a refused ledger command does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from uuid import UUID, uuid4

from core import idempotency
from core.accounts.service import AccountService
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.bills import orders, payees
from core.bills import repository as repo
from core.bills.catalogue import Catalogue
from core.bills.config import BillsConfig
from core.bills.errors import (
    BillsUnavailable,
    NoPreviousPayment,
    PayeeNotFound,
    ReceiptNotReady,
)
from core.bills.model import PaymentStatus, PaymentView, Receipt, receipt
from core.bills.orders import BillOrder, CheckedOrder, Quote, check_order
from core.bills.payees import Payees, ensure_customer, target_index
from core.bills.policy import BillPolicy, CatalogueFees
from core.bills.schema import Validation
from core.bills.settlement import FIELDS_CONTEXT, Settlement
from core.bills.tables import bill_payees, bill_payments
from core.clock import Clock
from core.crypto import Keyring
from core.errors import CoreError, ValidationFailed
from core.jobs import JobQueue, Jobs
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.ports import BillerGateway
from core.rotation import rotate_columns

MAX_HISTORY = 100


class BillsService:
    """Bill payments over the ledger, a biller gateway and the bank's policy."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keyring: Keyring,
        ledger: LedgerService,
        accounts: AccountService,
        queue: JobQueue,
        *,
        catalogue: Catalogue,
        gateway: BillerGateway | None = None,
        policy: BillPolicy | None = None,
        config: BillsConfig | None = None,
    ) -> None:
        self._db, self._clock, self._keys = db, clock, keyring
        self._accounts = accounts
        self._gateway = gateway
        self._policy: BillPolicy = policy or CatalogueFees()
        self.catalogue = catalogue
        self.config = config or BillsConfig()
        self.settlement = Settlement(
            db, clock, keyring, ledger, catalogue, gateway, queue, self.config, self._policy
        )
        self.payees = Payees(db, clock, keyring, catalogue)

    def jobs(self) -> Jobs:
        return self.settlement.jobs()

    async def rotate_encryption(self, actor: Actor, *, batch: int = 500) -> int:
        """Re-encrypt payees' names and details and payments' details still under an
        older key; returns rows changed (``teller keys rotate``)."""
        columns = (
            (bill_payments, "fields_enc", FIELDS_CONTEXT),
            (bill_payees, "name_enc", payees.NAME_CONTEXT),
            (bill_payees, "fields_enc", payees.FIELDS_CONTEXT),
        )
        return await rotate_columns(
            self._db, self._clock, self._keys, actor, columns, target="bills", batch=batch
        )

    # -- catalogue and validation -----------------------------------------------------

    def validate(
        self, biller_id: str, values: Mapping[str, object], *, partial: bool = False
    ) -> Validation:
        """Check field values (and ``amount``, minor units) as the biller's schema says."""
        return self.catalogue.get(biller_id).validate(values, partial=partial)

    async def quote(self, order: BillOrder) -> Quote:
        """The amount, fee and total of ``order``, as paying it now would charge them."""
        return (await check_order(order, self.catalogue, self._accounts, self._policy)).quote

    # -- paying -------------------------------------------------------------------------

    async def pay(
        self,
        order: BillOrder,
        actor: Actor,
        idempotency_key: str,
        *,
        payee_id: UUID | None = None,
    ) -> PaymentView:
        """Pay a bill from a customer's account; see the module docstring.

        The returned payment is ``completed``, ``rejected`` (money returned) or ``unknown``
        (the biller did not answer in time; reconciliation settles it later).
        """
        target = f"account:{order.account_id}"
        try:
            key = idempotency.validate_key(idempotency_key)
            checked = await check_order(
                order, self.catalogue, self._accounts, self._policy, full=False
            )
            fingerprint = orders.fingerprint(self._keys, order, checked, payee_id)
            earlier = await self._earlier(actor, key, fingerprint)
            if earlier is not None:
                return await self.settlement.resume(earlier)
            checked = await check_order(order, self.catalogue, self._accounts, self._policy)
            payment_id, is_new = await self._record(
                checked, order, actor, key, fingerprint, payee_id
            )
        except CoreError as exc:
            await record_rejection(self._db, self._clock.now(), actor, "pay_bill", target, exc)
            raise
        if not is_new:
            return await self.settlement.resume(payment_id)
        return await self.settlement.carry_out(payment_id)

    async def pay_payee(
        self,
        customer_id: UUID,
        payee_id: UUID,
        account_id: UUID,
        amount: int,
        currency: str,
        actor: Actor,
        idempotency_key: str,
    ) -> PaymentView:
        """Pay a saved payee from one of the customer's accounts."""
        biller_id, fields = await self.payees.details(customer_id, payee_id)
        account = await self._accounts.get(account_id)
        if account.customer_id != customer_id:
            raise PayeeNotFound(payee_id=str(payee_id))  # not this account's customer's
        order = BillOrder(account_id, biller_id, fields, amount, currency)
        return await self.pay(order, actor, idempotency_key, payee_id=payee_id)

    async def repeat(
        self,
        customer_id: UUID,
        actor: Actor,
        idempotency_key: str,
        *,
        payee_id: UUID | None = None,
    ) -> PaymentView:
        """Pay again what the customer last paid (to ``payee_id``, or to anyone): the same
        biller, details, amount and account, under the caller's fresh key."""
        target = None
        if payee_id is not None:
            target = (await self.payees.get(customer_id, payee_id)).target_index
        async with self._db.read() as conn:
            last = await repo.last_completed(conn, customer_id, target)
        if last is None:
            raise NoPreviousPayment(customer_id=str(customer_id))
        fields = json.loads(self._keys.decrypt(last.fields_enc, context=FIELDS_CONTEXT))
        order = BillOrder(last.account_id, last.biller_id, fields, last.amount, last.currency)
        return await self.pay(order, actor, idempotency_key, payee_id=payee_id or last.payee_id)

    # -- reading ------------------------------------------------------------------------

    async def payment(self, payment_id: UUID) -> PaymentView:
        async with self._db.read() as conn:
            return self.settlement.view(await repo.payment(conn, payment_id))

    async def receipt(self, payment_id: UUID) -> Receipt:
        """The receipt of a completed payment; :class:`ReceiptNotReady` before that."""
        view = await self.payment(payment_id)
        if view.status is not PaymentStatus.COMPLETED:
            raise ReceiptNotReady(payment_id=str(payment_id), status=view.status.value)
        return receipt(view, self.catalogue.get(view.biller_id))

    async def history(self, customer_id: UUID, *, limit: int = 20) -> list[PaymentView]:
        """The customer's bill payments, newest first."""
        if not 1 <= limit <= MAX_HISTORY:
            raise ValidationFailed(f"a limit of 1 to {MAX_HISTORY}", field="limit")
        async with self._db.read() as conn:
            await ensure_customer(conn, customer_id)
            rows = await repo.customer_payments(conn, customer_id, limit)
        return [self.settlement.view(row) for row in rows]

    # -- helpers ------------------------------------------------------------------------

    async def _earlier(self, actor: Actor, key: str, fingerprint: str) -> UUID | None:
        """The payment a used key made (or IdempotencyConflict), None for a new key."""
        async with self._db.read() as conn:
            found = await repo.claimed(conn, str(actor), key)
        if found is None:
            return None
        claim = idempotency.earlier(
            found.command, found.fingerprint, found.resource_id, None,
            command="pay_bill", fingerprint_=fingerprint,
        )  # fmt: skip
        return claim.resource_id

    async def _record(
        self,
        checked: CheckedOrder,
        order: BillOrder,
        actor: Actor,
        key: str,
        fingerprint: str,
        payee_id: UUID | None,
    ) -> tuple[UUID, bool]:
        """Claim the key and record the payment, in one transaction; nothing moves yet."""
        if self._gateway is None:
            raise BillsUnavailable()
        assert checked.customer_id is not None  # a full check found the account's owner
        customer_id = checked.customer_id
        now, payment_id, quote = self._clock.now(), uuid4(), checked.quote
        async with self._db.transaction() as conn:
            claim = await idempotency.claim(
                conn, scope=str(actor), key=key, command="pay_bill",
                fingerprint_=fingerprint, resource_id=payment_id, at=now,
            )  # fmt: skip
            if not claim.is_new:  # a duplicate that won the race
                return claim.resource_id, False
            encrypted = self._keys.encrypt(json.dumps(checked.fields), context=FIELDS_CONTEXT)
            await repo.insert_payment(
                conn,
                {
                    "id": payment_id,
                    "customer_id": customer_id,
                    "account_id": order.account_id,
                    "biller_id": checked.biller.id,
                    "payee_id": payee_id,
                    "fields_enc": encrypted,
                    "fields_masked": dict(quote.fields),
                    "target_index": target_index(
                        self._keys, customer_id, checked.biller.id, checked.fields
                    ),
                    "amount": quote.amount,
                    "fee": quote.fee,
                    "currency": quote.currency,
                    "status": PaymentStatus.CREATED.value,
                    "actor": str(actor),
                    "idempotency_key": key,
                    "checks": 0,
                    "next_check_at": now + self.config.resume_after,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            details = {
                "payment_id": str(payment_id),
                "biller_id": checked.biller.id,
                "amount": quote.amount,
                "fee": quote.fee,
                "currency": quote.currency,
            }
            await record(conn, now, actor, "pay_bill", f"account:{order.account_id}", details)
        return payment_id, True
