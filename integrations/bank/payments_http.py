"""``HttpPayments``: the payments part of ``HttpBank``, over ``/api/v1/payments`` and
``/api/v1/money-requests``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from integrations.bank import checks, wire
from integrations.bank.payments import (
    FeeQuote,
    Limits,
    MoneyRequest,
    MoneyRequestRole,
    MoneyRequestStatus,
    Operation,
    OperationStatus,
    PaymentsAPI,
    Recipient,
    Transfer,
    TransferPreview,
)
from integrations.bank.payments_checks import check_fee, check_role
from integrations.bank.types import Amount


def _recipient(recipient: Recipient) -> dict[str, str]:
    return {"kind": str(recipient.kind), "value": recipient.value}


def _amount(amount: Amount) -> dict[str, object]:
    checks.check_amount(amount)
    return {"amount_minor": amount.minor, "currency": amount.currency}


class HttpPayments:
    """The payments part of ``BankAPI`` over HTTP (a mixin of ``HttpBank``)."""

    # HttpBank's request machinery (retries, problem responses → errors).
    _call: Callable[..., Awaitable[object]]

    async def quote_fee(self, operation: Operation, amount: Amount) -> FeeQuote:
        """See :meth:`PaymentsAPI.quote_fee`."""
        checks.check_amount(amount)
        params: dict[str, str | int] = {
            "operation": Operation(operation).value,
            "currency": amount.currency,
            "amount_minor": amount.minor,
        }
        return wire.parse(FeeQuote, await self._call("GET", "/payments/fees/quote", params=params))

    async def operation_status(self, operation: Operation, currency: str) -> OperationStatus:
        """See :meth:`PaymentsAPI.operation_status`."""
        code = checks.check_currency(currency)
        path = f"/payments/operations/{Operation(operation).value}"
        answer = await self._call("GET", path, params={"currency": code})
        return wire.parse(OperationStatus, answer)

    async def get_limits(self, customer_id: UUID, currency: str) -> Limits:
        """See :meth:`PaymentsAPI.get_limits`."""
        code = checks.check_currency(currency)
        path = f"/customers/{customer_id}/limits/{code}"
        return wire.parse(Limits, await self._call("GET", path))

    async def preview_transfer(
        self, source_account_id: UUID, recipient: Recipient, amount: Amount
    ) -> TransferPreview:
        """See :meth:`PaymentsAPI.preview_transfer`."""
        body = {
            "source_account_id": str(source_account_id),
            "recipient": _recipient(recipient),
            **_amount(amount),
        }
        answer = await self._call("POST", "/payments/transfers/preview", json=body)
        return wire.parse(TransferPreview, answer)

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
        key = checks.check_key(idempotency_key)
        checks.check_amount(amount)
        body = {
            "source_account_id": str(source_account_id),
            "recipient": _recipient(recipient),
            **_amount(amount),
            "description": description,
            "expected_fee_minor": check_fee(expected_fee, amount.currency),
        }
        answer = await self._call("POST", "/payments/transfers", json=body, key=key)
        return wire.parse(Transfer, answer)

    async def get_transfer(self, transfer_id: UUID) -> Transfer:
        """See :meth:`PaymentsAPI.get_transfer`."""
        return wire.parse(Transfer, await self._call("GET", f"/payments/transfers/{transfer_id}"))

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
        body = {
            "requester_account_id": str(requester_account_id),
            "payer": _recipient(payer),
            **_amount(amount),
            "note": note,
        }
        answer = await self._call("POST", "/money-requests", json=body, key=key)
        return wire.parse(MoneyRequest, answer)

    async def get_money_request(self, request_id: UUID) -> MoneyRequest:
        """See :meth:`PaymentsAPI.get_money_request`."""
        return wire.parse(MoneyRequest, await self._call("GET", f"/money-requests/{request_id}"))

    async def list_money_requests(
        self,
        customer_id: UUID,
        *,
        role: MoneyRequestRole | None = None,
        status: MoneyRequestStatus | None = None,
    ) -> list[MoneyRequest]:
        """See :meth:`PaymentsAPI.list_money_requests`."""
        params: dict[str, str | int] = {}
        who = check_role(role)
        if who is not None:
            params["role"] = who
        if status is not None:
            params["status"] = MoneyRequestStatus(status).value
        path = f"/customers/{customer_id}/money-requests"
        return wire.parse_list(MoneyRequest, await self._call("GET", path, params=params))

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
        body = {"source_account_id": str(source_account_id), "expected_fee_minor": fee}
        path = f"/money-requests/{request_id}/accept"
        return wire.parse(Transfer, await self._call("POST", path, json=body, key=key))

    async def decline_money_request(
        self, request_id: UUID, payer_customer_id: UUID
    ) -> MoneyRequest:
        """See :meth:`PaymentsAPI.decline_money_request`."""
        body = {"payer_customer_id": str(payer_customer_id)}
        path = f"/money-requests/{request_id}/decline"
        return wire.parse(MoneyRequest, await self._call("POST", path, json=body))

    async def cancel_money_request(
        self, request_id: UUID, requester_customer_id: UUID
    ) -> MoneyRequest:
        """See :meth:`PaymentsAPI.cancel_money_request`."""
        body = {"requester_customer_id": str(requester_customer_id)}
        path = f"/money-requests/{request_id}/cancel"
        return wire.parse(MoneyRequest, await self._call("POST", path, json=body))


def _conforms(payments: HttpPayments) -> PaymentsAPI:
    return payments  # mypy proves HttpPayments satisfies the Protocol
