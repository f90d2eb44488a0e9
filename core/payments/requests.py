"""Money requests: a customer asks another for an amount; the payer pays it or declines.

Paying goes through the same path as any transfer (fees, limits, switches, risk review)
with the payer's own idempotency key. Events name both customers, so each can be told:
``money_request.created`` (the payer is asked), ``.paid``, ``.declined``, ``.cancelled``,
``.expired``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID, uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core import idempotency
from core.accounts.service import AccountService
from core.actors import SYSTEM, Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.errors import CoreError
from core.payments import request_store as store
from core.payments.config import PaymentsConfig
from core.payments.errors import (
    MoneyRequestNotFound,
    MoneyRequestNotPending,
    RecipientIsPayer,
    SourceNotAllowed,
)
from core.payments.model import (
    MoneyRequestStatus,
    RecipientKind,
    check_minor,
    check_text,
    currency_code,
)
from core.payments.recipients import Recipient, RecipientRef, Recipients, account_recipient
from core.payments.repository import PaymentView
from core.payments.request_store import NOTE_CONTEXT, MoneyRequestView
from core.payments.tables import money_requests
from core.payments.transfers import Prepared, TransferRequest, TransferService
from core.persistence.database import Database
from core.persistence.types import AnyRow

MAX_NOTE = 140
Role = Literal["payer", "requester"]
_OPEN = MoneyRequestStatus.PENDING.value


class MoneyRequestService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        accounts: AccountService,
        customers: CustomerService,
        recipients: Recipients,
        transfers: TransferService,
        config: PaymentsConfig,
    ) -> None:
        self._db = db
        self._clock = clock
        self._keys = keys
        self._accounts = accounts
        self._customers = customers
        self._recipients = recipients
        self._transfers = transfers
        self._config = config

    async def create(
        self,
        requester_account_id: UUID,
        payer: RecipientRef,
        amount: int,
        currency: str,
        note: str | None,
        actor: Actor,
        *,
        idempotency_key: str | None = None,
    ) -> MoneyRequestView:
        """Ask the customer ``payer`` names (by phone or account) for ``amount``, to be
        paid into ``requester_account_id``. With a key, a repeat returns the first."""
        now = self._clock.now()
        target = f"account:{requester_account_id}"
        request_id = uuid4()
        try:
            code = currency_code(currency)
            check_minor(amount, "amount", positive=True)
            text = None if note is None else check_text(note, "note", limit=MAX_NOTE)
            requester = await account_recipient(
                self._accounts, self._customers, requester_account_id, code
            )
            found = await self._recipients.resolve(payer, code)
            if found.customer_id == requester.customer_id:
                raise RecipientIsPayer()
            async with self._db.transaction() as conn:
                if idempotency_key is not None:
                    fields = {
                        "account": str(requester_account_id),
                        "kind": payer.kind,
                        "payer": self._keys.blind_index(payer.value, context="idempotency"),
                        "amount": amount,
                        "currency": code,
                        "note": None
                        if text is None
                        else self._keys.blind_index(text, context="idempotency"),
                    }
                    claim = await idempotency.claim(
                        conn,
                        scope=str(actor),
                        key=idempotency_key,
                        command="request_money",
                        fingerprint_=idempotency.fingerprint("request_money", fields),
                        resource_id=request_id,
                        at=now,
                    )
                    if not claim.is_new:
                        return await self._view(await store.find(conn, claim.resource_id))
                await conn.execute(
                    insert(money_requests).values(
                        id=request_id,
                        requester_customer_id=requester.customer_id,
                        requester_account_id=requester_account_id,
                        payer_customer_id=found.customer_id,
                        amount=amount,
                        currency=code,
                        note_enc=None
                        if text is None
                        else self._keys.encrypt(text, context=NOTE_CONTEXT),
                        status=_OPEN,
                        expires_at=now + self._config.money_request_ttl,
                        created_at=now,
                        updated_at=now,
                    )
                )
                row = await store.find(conn, request_id)
                await store.record_event(conn, "money_request.created", row, now)
                details = {"amount": amount, "currency": code, "payer_kind": payer.kind}
                await record(
                    conn, now, actor, "request_money", f"money_request:{request_id}", details
                )
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "request_money", target, exc)
            raise
        return await self._view(row)

    async def get(self, request_id: UUID) -> MoneyRequestView:
        async with self._db.read() as conn:
            row = await store.find(conn, request_id)
        return await self._view(row)

    async def for_customer(
        self,
        customer_id: UUID,
        *,
        role: Role | None = None,
        status: MoneyRequestStatus | None = None,
        limit: int = 50,
    ) -> list[MoneyRequestView]:
        """The customer's requests, newest first: asked of them (``payer``), asked by
        them (``requester``), or both."""
        mr = money_requests
        who = {
            "payer": mr.c.payer_customer_id == customer_id,
            "requester": mr.c.requester_customer_id == customer_id,
        }
        query = select(mr).order_by(mr.c.created_at.desc(), mr.c.id).limit(max(1, min(limit, 200)))
        query = query.where(who[role] if role else (who["payer"] | who["requester"]))
        if status is not None:
            query = query.where(mr.c.status == status.value)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [await self._view(r) for r in rows]

    async def accept(
        self,
        request_id: UUID,
        source_account_id: UUID,
        actor: Actor,
        key: str,
        *,
        expected_fee: int | None = None,
    ) -> PaymentView:
        """Pay the request from the payer's ``source_account_id``: a transfer to the
        requester's account through the usual path (it may be held for review)."""

        async def prepare() -> Prepared:
            request = await self.get(request_id)
            self._ensure_open(request.id, request.status.value, request.expires_at)
            source = await self._accounts.get(source_account_id)
            if source.customer_id != request.payer_customer_id:
                raise SourceNotAllowed(account_id=str(source_account_id))

            async def requester(currency: str) -> Recipient:
                return await account_recipient(
                    self._accounts, self._customers, request.requester_account_id, currency
                )

            transfer = TransferRequest(
                source_account_id,
                RecipientRef(RecipientKind.ACCOUNT.value, ""),
                request.amount,
                request.currency,
                "Payment of a money request",
                expected_fee,
            )
            return await self._transfers.prepare(transfer, requester)

        async def claim_request(conn: AsyncConnection, payment_id: UUID) -> None:
            row = await store.find(conn, request_id, lock=True)
            self._ensure_open(request_id, row.status, row.expires_at)
            await conn.execute(
                update(money_requests)
                .where(money_requests.c.id == request_id)
                .values(
                    status=MoneyRequestStatus.ACCEPTED.value,
                    payment_id=payment_id,
                    updated_at=self._clock.now(),
                )
            )

        fields = {
            "request": str(request_id),
            "source": str(source_account_id),
            "expected_fee": expected_fee,
        }
        return await self._transfers.start(
            "accept_money_request",
            fields,
            actor,
            key,
            f"money_request:{request_id}",
            prepare,
            money_request_id=request_id,
            on_insert=claim_request,
        )

    async def decline(
        self, request_id: UUID, payer_customer_id: UUID, actor: Actor
    ) -> MoneyRequestView:
        """The payer says no."""
        return await self._close(
            request_id, "payer", payer_customer_id, MoneyRequestStatus.DECLINED, actor
        )

    async def cancel(
        self, request_id: UUID, requester_customer_id: UUID, actor: Actor
    ) -> MoneyRequestView:
        """The requester withdraws the request."""
        return await self._close(
            request_id, "requester", requester_customer_id, MoneyRequestStatus.CANCELLED, actor
        )

    async def expire_due(self, now: datetime) -> int:
        """Expire open requests past their time; returns how many."""
        async with self._db.read() as conn:
            due = (
                await conn.execute(
                    select(money_requests.c.id, money_requests.c.payer_customer_id)
                    .where(money_requests.c.status == _OPEN, money_requests.c.expires_at <= now)
                    .limit(500)
                )
            ).all()
        expired = 0
        for request_id, payer in due:
            try:
                await self._close(request_id, "payer", payer, MoneyRequestStatus.EXPIRED, SYSTEM)
                expired += 1
            except MoneyRequestNotPending:
                continue  # paid or declined meanwhile
        return expired

    # -- helpers ----------------------------------------------------------------------

    async def _close(
        self,
        request_id: UUID,
        role: Role,
        customer_id: UUID,
        status: MoneyRequestStatus,
        actor: Actor,
    ) -> MoneyRequestView:
        now = self._clock.now()
        action = {"declined": "decline_money_request", "cancelled": "cancel_money_request"}.get(
            status.value, "expire_money_request"
        )
        target = f"money_request:{request_id}"
        try:
            async with self._db.transaction() as conn:
                row = await store.find(conn, request_id, lock=True)
                owner = row.payer_customer_id if role == "payer" else row.requester_customer_id
                if owner != customer_id:
                    raise MoneyRequestNotFound(request_id=str(request_id))  # not theirs to see
                if row.status != _OPEN:
                    raise MoneyRequestNotPending(request_id=str(request_id), status=row.status)
                await conn.execute(
                    update(money_requests)
                    .where(money_requests.c.id == request_id)
                    .values(status=status.value, updated_at=now)
                )
                row = await store.find(conn, request_id)
                await store.record_event(conn, f"money_request.{status.value}", row, now)
                await record(conn, now, actor, action, target, {"status": status.value})
        except CoreError as exc:
            await record_rejection(self._db, now, actor, action, target, exc)
            raise
        return await self._view(row)

    def _ensure_open(self, request_id: UUID, status: str, expires_at: datetime) -> None:
        if status != _OPEN:
            raise MoneyRequestNotPending(request_id=str(request_id), status=status)
        if expires_at <= self._clock.now():  # before the sweep gets to it
            raise MoneyRequestNotPending(request_id=str(request_id), status="expired")

    async def _view(self, row: AnyRow) -> MoneyRequestView:
        return await store.view(self._keys, self._customers, row)
