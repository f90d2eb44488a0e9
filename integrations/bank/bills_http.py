"""``HttpBills``: :class:`~integrations.bank.bills.BillsAPI` for ``HttpBank``, over the
core's REST API (``/billers``, ``/bill-payments``, ``/customers/{id}/bill-payees`` …)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from uuid import UUID

from integrations.bank import checks, wire
from integrations.bank.bills import (
    Biller,
    BillPayee,
    BillPayment,
    BillQuote,
    BillReceipt,
    BillValidation,
    check_amount_minor,
    check_biller_id,
    check_fields,
    check_limit,
    check_text,
)
from integrations.bank.types import Amount


class HttpBills:
    """:class:`BillsAPI` for ``HttpBank`` (a mixin: it uses ``HttpBank._call``)."""

    if TYPE_CHECKING:

        async def _call(
            self,
            method: str,
            path: str,
            *,
            json: dict[str, Any] | None = None,
            params: dict[str, str | int] | None = None,
            key: str | None = None,
        ) -> object: ...

    async def list_billers(
        self, *, category: str | None = None, country: str | None = None
    ) -> list[Biller]:
        """See :meth:`BillsAPI.list_billers`."""
        params: dict[str, str | int] = {
            k: v for k, v in (("category", category), ("country", country)) if v is not None
        }
        return wire.parse_list(Biller, await self._call("GET", "/billers", params=params or None))

    async def get_biller(self, biller_id: str) -> Biller:
        """See :meth:`BillsAPI.get_biller`."""
        path = f"/billers/{_segment(check_biller_id(biller_id))}"
        return wire.parse(Biller, await self._call("GET", path))

    async def validate_bill(
        self,
        biller_id: str,
        fields: Mapping[str, str],
        amount_minor: int | None = None,
        *,
        partial: bool = False,
    ) -> BillValidation:
        """See :meth:`BillsAPI.validate_bill`."""
        body = {
            "fields": check_fields(fields),
            "amount_minor": check_amount_minor(amount_minor),
            "partial": partial,
        }
        path = f"/billers/{_segment(check_biller_id(biller_id))}/validation"
        return wire.parse(BillValidation, await self._call("POST", path, json=body))

    async def quote_bill(
        self, account_id: UUID, biller_id: str, fields: Mapping[str, str], amount: Amount
    ) -> BillQuote:
        """See :meth:`BillsAPI.quote_bill`."""
        body = _order(account_id, biller_id, fields, amount)
        return wire.parse(BillQuote, await self._call("POST", "/bill-payments/quote", json=body))

    async def pay_bill(
        self,
        account_id: UUID,
        biller_id: str,
        fields: Mapping[str, str],
        amount: Amount,
        *,
        idempotency_key: str,
    ) -> BillPayment:
        """See :meth:`BillsAPI.pay_bill`."""
        key = checks.check_key(idempotency_key)
        body = _order(account_id, biller_id, fields, amount)
        return wire.parse(
            BillPayment, await self._call("POST", "/bill-payments", json=body, key=key)
        )

    async def get_bill_payment(self, payment_id: UUID) -> BillPayment:
        """See :meth:`BillsAPI.get_bill_payment`."""
        return wire.parse(BillPayment, await self._call("GET", f"/bill-payments/{payment_id}"))

    async def get_bill_receipt(self, payment_id: UUID) -> BillReceipt:
        """See :meth:`BillsAPI.get_bill_receipt`."""
        path = f"/bill-payments/{payment_id}/receipt"
        return wire.parse(BillReceipt, await self._call("GET", path))

    async def list_bill_payments(self, customer_id: UUID, limit: int = 20) -> list[BillPayment]:
        """See :meth:`BillsAPI.list_bill_payments`."""
        check_limit(limit)
        path = f"/customers/{customer_id}/bill-payments"
        return wire.parse_list(BillPayment, await self._call("GET", path, params={"limit": limit}))

    async def repeat_bill_payment(
        self, customer_id: UUID, *, idempotency_key: str, payee_id: UUID | None = None
    ) -> BillPayment:
        """See :meth:`BillsAPI.repeat_bill_payment`."""
        key = checks.check_key(idempotency_key)
        body = {"payee_id": None if payee_id is None else str(payee_id)}
        path = f"/customers/{customer_id}/bill-payments/repeat"
        return wire.parse(BillPayment, await self._call("POST", path, json=body, key=key))

    async def save_bill_payee(
        self, customer_id: UUID, biller_id: str, fields: Mapping[str, str], name: str
    ) -> BillPayee:
        """See :meth:`BillsAPI.save_bill_payee`."""
        body = {
            "biller_id": check_text(biller_id, "biller_id"),
            "fields": check_fields(fields),
            "name": check_text(name, "name"),
        }
        path = f"/customers/{customer_id}/bill-payees"
        return wire.parse(BillPayee, await self._call("POST", path, json=body))

    async def list_bill_payees(self, customer_id: UUID) -> list[BillPayee]:
        """See :meth:`BillsAPI.list_bill_payees`."""
        path = f"/customers/{customer_id}/bill-payees"
        return wire.parse_list(BillPayee, await self._call("GET", path))

    async def rename_bill_payee(self, customer_id: UUID, payee_id: UUID, name: str) -> BillPayee:
        """See :meth:`BillsAPI.rename_bill_payee`."""
        path = f"/customers/{customer_id}/bill-payees/{payee_id}"
        body = {"name": check_text(name, "name")}
        return wire.parse(BillPayee, await self._call("PATCH", path, json=body))

    async def delete_bill_payee(self, customer_id: UUID, payee_id: UUID) -> BillPayee:
        """See :meth:`BillsAPI.delete_bill_payee`."""
        path = f"/customers/{customer_id}/bill-payees/{payee_id}"
        return wire.parse(BillPayee, await self._call("DELETE", path))

    async def pay_bill_payee(
        self,
        customer_id: UUID,
        payee_id: UUID,
        account_id: UUID,
        amount: Amount,
        *,
        idempotency_key: str,
    ) -> BillPayment:
        """See :meth:`BillsAPI.pay_bill_payee`."""
        key = checks.check_key(idempotency_key)
        checks.check_amount(amount)
        body = {
            "account_id": str(account_id),
            "amount_minor": amount.minor,
            "currency": amount.currency,
        }
        path = f"/customers/{customer_id}/bill-payees/{payee_id}/payments"
        return wire.parse(BillPayment, await self._call("POST", path, json=body, key=key))


def _order(
    account_id: UUID, biller_id: str, fields: Mapping[str, str], amount: Amount
) -> dict[str, object]:
    checks.check_amount(amount)
    return {
        "account_id": str(account_id),
        "biller_id": check_text(biller_id, "biller_id"),
        "fields": check_fields(fields),
        "amount_minor": amount.minor,
        "currency": amount.currency,
    }


def _segment(value: str) -> str:
    """A biller id as one path segment (an id with a slash must not change the route)."""
    return quote(value, safe="")
