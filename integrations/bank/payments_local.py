"""``LocalPayments``: the payments part of ``LocalBank``, over the core's services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from core.actors import Actor
from core.bank import Bank
from core.payments.limits import LimitStatus
from core.payments.model import MoneyRequestStatus as CoreRequestStatus
from core.payments.model import Operation as CoreOperation
from core.payments.recipients import RecipientRef
from core.payments.repository import PaymentView
from core.payments.request_store import MoneyRequestView
from core.payments.transfers import TransferRequest
from integrations.bank import checks
from integrations.bank.payments import (
    FeeQuote,
    Limits,
    MoneyRequest,
    MoneyRequestRole,
    MoneyRequestStatus,
    Operation,
    OperationStatus,
    Payee,
    PaymentsAPI,
    Recipient,
    Transfer,
    TransferPreview,
    TransferStatus,
)
from integrations.bank.payments_checks import check_fee, check_role
from integrations.bank.types import Amount


@contextmanager
def _translated() -> Iterator[None]:
    # local.py imports this module for its mixin: borrow its translation once both exist.
    from integrations.bank.local import _translated as core_to_bank

    with core_to_bank():
        yield


def _ref(recipient: Recipient) -> RecipientRef:
    return RecipientRef(str(recipient.kind), recipient.value)


def transfer_of(p: PaymentView) -> Transfer:
    return Transfer(
        id=p.id,
        status=TransferStatus(p.status.value),
        payer_customer_id=p.payer_customer_id,
        source_account_id=p.source_account_id,
        recipient_customer_id=p.recipient_customer_id,
        destination_account_id=p.destination_account_id,
        recipient=Payee(p.recipient_kind, p.recipient_name, p.recipient_account_last4),
        amount_minor=p.amount,
        fee_minor=p.fee,
        total_minor=p.total,
        currency=p.currency,
        description=p.description,
        entry_id=p.entry_id,
        hold_id=p.hold_id,
        failure_code=p.failure_code,
        money_request_id=p.money_request_id,
        created_at=p.created_at,
    )


def limits_of(s: LimitStatus) -> Limits:
    return Limits(
        UUID(s.customer_id),
        s.kyc_level.value,
        s.currency,
        s.daily_limit,
        s.daily_used,
        s.daily_remaining,
        s.monthly_limit,
        s.monthly_used,
        s.monthly_remaining,
        s.remaining,
    )


def request_of(m: MoneyRequestView) -> MoneyRequest:
    return MoneyRequest(
        id=m.id,
        status=MoneyRequestStatus(m.status.value),
        requester_customer_id=m.requester_customer_id,
        requester_account_id=m.requester_account_id,
        requester_name=m.requester_name,
        payer_customer_id=m.payer_customer_id,
        payer_name=m.payer_name,
        amount_minor=m.amount,
        currency=m.currency,
        note=m.note,
        payment_id=m.payment_id,
        expires_at=m.expires_at,
        created_at=m.created_at,
    )


class LocalPayments:
    """The payments part of ``BankAPI`` in-process (a mixin of ``LocalBank``)."""

    _bank: Bank
    _actor: Actor

    async def quote_fee(self, operation: Operation, amount: Amount) -> FeeQuote:
        """See :meth:`PaymentsAPI.quote_fee`."""
        checks.check_amount(amount)
        with _translated():
            q = await self._bank.payments.fees.quote(
                CoreOperation(operation.value), amount.minor, amount.currency
            )
            return FeeQuote(operation, q.amount, q.fee, q.total, q.currency)

    async def operation_status(self, operation: Operation, currency: str) -> OperationStatus:
        """See :meth:`PaymentsAPI.operation_status`."""
        code = checks.check_currency(currency)
        with _translated():
            found = await self._bank.payments.switches.blocking(
                CoreOperation(operation.value), code
            )
        if found is None:
            return OperationStatus(operation, code, True)
        return OperationStatus(operation, code, False, found.ends_at, found.reason)

    async def get_limits(self, customer_id: UUID, currency: str) -> Limits:
        """See :meth:`PaymentsAPI.get_limits`."""
        code = checks.check_currency(currency)
        with _translated():
            return limits_of(await self._bank.payments.limits.status(customer_id, code))

    async def preview_transfer(
        self, source_account_id: UUID, recipient: Recipient, amount: Amount
    ) -> TransferPreview:
        """See :meth:`PaymentsAPI.preview_transfer`."""
        checks.check_amount(amount)
        request = TransferRequest(
            source_account_id, _ref(recipient), amount.minor, amount.currency
        )
        with _translated():
            p = await self._bank.payments.transfers.preview(request)
        r = p.recipient
        return TransferPreview(
            p.quote.amount,
            p.quote.fee,
            p.quote.total,
            p.quote.currency,
            Payee(r.kind, r.display_name, r.account_last4),
            limits_of(p.limits),
        )

    async def send_transfer(
        self,
        source_account_id: UUID,
        recipient: Recipient,
        amount: Amount,
        *,
        description: str,
        idempotency_key: str,
        expected_fee: Amount | None = None,
    ) -> Transfer:
        """See :meth:`PaymentsAPI.send_transfer`."""
        key, amount = checks.check_key(idempotency_key), checks.check_amount(amount)
        fee = check_fee(expected_fee, amount.currency)
        request = TransferRequest(
            source_account_id, _ref(recipient), amount.minor, amount.currency, description, fee
        )
        with _translated():
            return transfer_of(await self._bank.payments.transfers.send(request, self._actor, key))

    async def get_transfer(self, transfer_id: UUID) -> Transfer:
        """See :meth:`PaymentsAPI.get_transfer`."""
        with _translated():
            return transfer_of(await self._bank.payments.transfers.get(transfer_id))

    async def request_money(
        self,
        requester_account_id: UUID,
        payer: Recipient,
        amount: Amount,
        *,
        note: str | None = None,
        idempotency_key: str | None = None,
    ) -> MoneyRequest:
        """See :meth:`PaymentsAPI.request_money`."""
        checks.check_amount(amount)
        key = None if idempotency_key is None else checks.check_key(idempotency_key)
        with _translated():
            view = await self._bank.payments.requests.create(
                requester_account_id,
                _ref(payer),
                amount.minor,
                amount.currency,
                note,
                self._actor,
                idempotency_key=key,
            )
            return request_of(view)

    async def get_money_request(self, request_id: UUID) -> MoneyRequest:
        """See :meth:`PaymentsAPI.get_money_request`."""
        with _translated():
            return request_of(await self._bank.payments.requests.get(request_id))

    async def list_money_requests(
        self,
        customer_id: UUID,
        *,
        role: MoneyRequestRole | None = None,
        status: MoneyRequestStatus | None = None,
    ) -> list[MoneyRequest]:
        """See :meth:`PaymentsAPI.list_money_requests`."""
        who = check_role(role)
        with _translated():
            found = await self._bank.payments.requests.for_customer(
                customer_id,
                role=who,
                status=None if status is None else CoreRequestStatus(status.value),
            )
        return [request_of(r) for r in found]

    async def accept_money_request(
        self,
        request_id: UUID,
        source_account_id: UUID,
        *,
        idempotency_key: str,
        expected_fee: Amount | None = None,
    ) -> Transfer:
        """See :meth:`PaymentsAPI.accept_money_request`."""
        key = checks.check_key(idempotency_key)
        fee = None
        if expected_fee is not None:
            request = await self.get_money_request(request_id)
            fee = check_fee(expected_fee, request.currency)
        with _translated():
            payment = await self._bank.payments.requests.accept(
                request_id, source_account_id, self._actor, key, expected_fee=fee
            )
            return transfer_of(payment)

    async def decline_money_request(
        self, request_id: UUID, payer_customer_id: UUID
    ) -> MoneyRequest:
        """See :meth:`PaymentsAPI.decline_money_request`."""
        with _translated():
            view = await self._bank.payments.requests.decline(
                request_id, payer_customer_id, self._actor
            )
            return request_of(view)

    async def cancel_money_request(
        self, request_id: UUID, requester_customer_id: UUID
    ) -> MoneyRequest:
        """See :meth:`PaymentsAPI.cancel_money_request`."""
        with _translated():
            view = await self._bank.payments.requests.cancel(
                request_id, requester_customer_id, self._actor
            )
            return request_of(view)


def _conforms(payments: LocalPayments) -> PaymentsAPI:
    return payments  # mypy proves LocalPayments satisfies the Protocol
