"""Transfers to another Teller customer: preview (fee, total, masked recipient), then send.

Sending runs in three steps, each safe to repeat: (1) one transaction claims the caller's
idempotency key, reserves the amount against the payer's limits and records the payment
with its fee and risk verdict; (2) the ledger posts it (fee included, one entry) or, if
the risk review holds it, places a hold for staff; (3) the payment records the outcome.
If the ledger refuses, the payment fails, the limit is released and the key is free again,
as with a refused ledger command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from core import idempotency
from core.accounts.service import AccountService, AccountView
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.errors import CoreError
from core.money import CurrencyMismatch
from core.payments import repository as repo
from core.payments.errors import FeeChanged, RecipientIsPayer, SourceNotAllowed
from core.payments.fee_schedule import FeeSchedule
from core.payments.fees import FeeQuote
from core.payments.limit_service import LimitService
from core.payments.limits import LimitStatus
from core.payments.model import (
    Operation,
    PaymentStatus,
    check_minor,
    check_text,
    currency_code,
)
from core.payments.recipients import Recipient, RecipientRef, Recipients
from core.payments.repository import PaymentView
from core.payments.risk import RiskResult
from core.payments.risk_service import RiskService
from core.payments.settlement import Settlement
from core.payments.switches import SwitchService
from core.payments.tables import payments
from core.persistence.database import Database

OnInsert = Callable[[AsyncConnection, UUID], Awaitable[None]]
Resolve = Callable[[str], Awaitable[Recipient]]
OPERATION = Operation.TRANSFER_INTERNAL


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """A payer's transfer: from their account to a recipient they name."""

    source_account_id: UUID
    recipient: RecipientRef
    amount: int
    currency: str
    description: str = "Transfer"
    expected_fee: int | None = None  # the fee the payer was shown; refused if it changed


@dataclass(frozen=True, slots=True)
class TransferPreview:
    """What the payer confirms: amount, fee, total and who receives it (masked)."""

    quote: FeeQuote
    recipient: Recipient
    limits: LimitStatus


@dataclass(frozen=True, slots=True)
class Prepared:
    source: AccountView
    recipient: Recipient
    quote: FeeQuote
    description: str


class TransferService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        accounts: AccountService,
        customers: CustomerService,
        fees: FeeSchedule,
        limits: LimitService,
        switches: SwitchService,
        risk: RiskService,
        recipients: Recipients,
        settlement: Settlement,
    ) -> None:
        self._db = db
        self._clock = clock
        self._keys = keys
        self._accounts = accounts
        self._customers = customers
        self._fees = fees
        self._limits = limits
        self._switches = switches
        self._risk = risk
        self._recipients = recipients
        self._settlement = settlement

    # -- queries ----------------------------------------------------------------------

    async def get(self, payment_id: UUID) -> PaymentView:
        async with self._db.read() as conn:
            return await repo.find(conn, payment_id, self._keys)

    async def list(
        self,
        *,
        status: PaymentStatus | None = None,
        customer_id: UUID | None = None,
        limit: int = 50,
    ) -> list[PaymentView]:
        """Newest first; by status (the review queue: ``pending_review``) and/or payer."""
        async with self._db.read() as conn:
            return await repo.search(conn, self._keys, status, customer_id, limit)

    # -- preview and send ---------------------------------------------------------------

    async def preview(self, request: TransferRequest) -> TransferPreview:
        """The fee, total and masked recipient; checks everything sending would, except
        funds, limits and the risk review (those are judged when it is sent)."""
        prepared = await self.prepare(request, self._resolver(request))
        assert prepared.source.customer_id is not None
        limits = await self._limits.status(prepared.source.customer_id, prepared.quote.currency)
        return TransferPreview(prepared.quote, prepared.recipient, limits)

    async def send(self, request: TransferRequest, actor: Actor, key: str) -> PaymentView:
        """Send the transfer once per idempotency key; see the module docstring.

        A refused transfer raises the ledger's or the rules' error and leaves the key free.
        """
        fields = {
            "source": str(request.source_account_id),
            "kind": request.recipient.kind,
            # Keyed: the fingerprint must not make a phone number guessable.
            "to": self._keys.blind_index(request.recipient.value, context="idempotency"),
            "amount": request.amount,
            "currency": request.currency.upper(),
            "description": request.description,
            "expected_fee": request.expected_fee,
        }
        return await self.start(
            "create_transfer",
            fields,
            actor,
            key,
            f"account:{request.source_account_id}",
            lambda: self.prepare(request, self._resolver(request)),
        )

    async def start(
        self,
        command: str,
        fields: dict[str, Any],
        actor: Actor,
        key: str,
        target: str,
        prepare: Callable[[], Awaitable[Prepared]],
        *,
        money_request_id: UUID | None = None,
        on_insert: OnInsert | None = None,
    ) -> PaymentView:
        """Claim ``key`` and carry a prepared transfer through (money requests use this
        too, with their own ``command``, to pay through the same path)."""
        now = self._clock.now()
        scope = str(actor)
        fingerprint = idempotency.fingerprint(command, fields)
        try:
            idempotency.validate_key(key)
            earlier = await self._earlier(scope, key, command, fingerprint)
            if earlier is None:
                prepared = await prepare()
                earlier = await self._open(
                    prepared, actor, key, command, fingerprint, money_request_id, on_insert
                )
        except CoreError as exc:
            await record_rejection(self._db, now, actor, command, target, exc)
            raise
        view, error = await self._settlement.advance(earlier)
        if error is not None:
            raise error
        return view

    async def _earlier(
        self, scope: str, key: str, command: str, fingerprint: str
    ) -> PaymentView | None:
        """The payment this key already made (a retry), or None for a new request."""
        async with self._db.read() as conn:
            claimed = await repo.claimed(conn, scope, key, command, fingerprint)
            return None if claimed is None else await repo.find(conn, claimed, self._keys)

    def _resolver(self, request: TransferRequest) -> Resolve:
        async def resolve(currency: str) -> Recipient:
            return await self._recipients.resolve(request.recipient, currency)

        return resolve

    async def prepare(self, request: TransferRequest, resolve: Resolve) -> Prepared:
        """Every check a transfer passes before its money is reserved: the payer's side
        first, then the recipient ``resolve`` finds for the currency (``request``'s own
        recipient reference is not looked at here)."""
        code = currency_code(request.currency)
        amount = check_minor(request.amount, "amount", positive=True)
        description = check_text(request.description, "description")
        if request.expected_fee is not None:
            check_minor(request.expected_fee, "expected_fee")
        source = await self._accounts.get(request.source_account_id)
        if source.customer_id is None:
            raise SourceNotAllowed(account_id=str(source.id))
        if source.currency != code:
            raise CurrencyMismatch(account_currency=source.currency, currency=code)
        await self._switches.ensure_enabled(OPERATION, code)
        recipient = await resolve(code)
        if recipient.customer_id == source.customer_id:
            raise RecipientIsPayer()
        quote = await self._fees.quote(OPERATION, amount, code)
        if request.expected_fee is not None and request.expected_fee != quote.fee:
            raise FeeChanged(expected=request.expected_fee, fee=quote.fee, currency=code)
        return Prepared(source, recipient, quote, description)

    async def _open(
        self,
        prepared: Prepared,
        actor: Actor,
        key: str,
        command: str,
        fingerprint: str,
        money_request_id: UUID | None,
        on_insert: OnInsert | None,
    ) -> PaymentView:
        """Step (1): claim the key, reserve the limit, record the payment; one transaction."""
        payer_id = prepared.source.customer_id
        assert payer_id is not None
        quote, recipient = prepared.quote, prepared.recipient
        level = (await self._customers.get(payer_id)).kyc_level
        risk = await self._risk.assess(
            payer_id, quote.amount, quote.currency, recipient.customer_id
        )
        now = self._clock.now()
        payment_id = uuid4()
        async with self._db.transaction() as conn:
            claim = await idempotency.claim(
                conn,
                scope=str(actor),
                key=key,
                command=command,
                fingerprint_=fingerprint,
                resource_id=payment_id,
                at=now,
            )
            if not claim.is_new:  # the same request, sent twice at once: the first wins
                return await repo.find(conn, claim.resource_id, self._keys)
            await self._limits.reserve_in(
                conn,
                customer_id=payer_id,
                level=level,
                operation=OPERATION,
                amount=quote.amount,
                currency=quote.currency,
                reference=f"payment:{payment_id}",
                now=now,
            )
            await conn.execute(
                insert(payments).values(
                    **_row(prepared, risk, payment_id, self._label(recipient)),
                    money_request_id=money_request_id,
                    idempotency_scope=str(actor),
                    idempotency_key=key,
                    created_at=now,
                    updated_at=now,
                )
            )
            if on_insert is not None:
                await on_insert(conn, payment_id)
            details = {
                "amount": quote.amount,
                "fee": quote.fee,
                "currency": quote.currency,
                "recipient_kind": recipient.kind,
                "risk_score": risk.score,
                "held": risk.held,
            }
            await record(conn, now, actor, command, f"payment:{payment_id}", details)
            return await repo.find(conn, payment_id, self._keys)

    def _label(self, recipient: Recipient) -> str:
        return self._keys.encrypt(
            repo.label(recipient.display_name, recipient.account_last4),
            context=repo.LABEL_CONTEXT,
        )


def _row(prepared: Prepared, risk: RiskResult, payment_id: UUID, label: str) -> dict[str, Any]:
    quote, recipient = prepared.quote, prepared.recipient
    return {
        "id": payment_id,
        "payer_customer_id": prepared.source.customer_id,
        "source_account_id": prepared.source.id,
        "recipient_customer_id": recipient.customer_id,
        "destination_account_id": recipient.account_id,
        "recipient_kind": recipient.kind,
        "recipient_label_enc": label,
        "amount": quote.amount,
        "fee": quote.fee,
        "currency": quote.currency,
        "description": prepared.description,
        "status": PaymentStatus.PROCESSING.value,
        "risk_score": risk.score,
        "risk_reasons": risk.reasons_json(),
        "held": risk.held,
    }
