"""``LocalBills``: :class:`~integrations.bank.bills.BillsAPI` for ``LocalBank``, over the
core's bill payments in this process. Core views become the wrapper's types here.

Kept apart from :mod:`integrations.bank.bills` so that importing the Protocol never
imports the core.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from uuid import UUID

from core.actors import Actor
from core.bank import Bank
from core.bills.catalogue import Biller as CoreBiller
from core.bills.model import PayeeView, PaymentView, Receipt
from core.bills.orders import BillOrder, Quote
from core.bills.schema import Validation
from integrations.bank import checks
from integrations.bank.bills import (
    Biller,
    BillerField,
    BillFieldError,
    BillPayee,
    BillPayment,
    BillPaymentStatus,
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


@contextmanager
def _translated() -> Iterator[None]:
    # LocalBank's own translation; imported when used, since local.py imports this module.
    from integrations.bank.local import _translated as translated

    with translated():
        yield


class LocalBills:
    """:class:`BillsAPI` for ``LocalBank`` (a mixin: it uses ``_bank`` and ``_actor``)."""

    _bank: Bank
    _actor: Actor

    async def list_billers(
        self, *, category: str | None = None, country: str | None = None
    ) -> list[Biller]:
        """See :meth:`BillsAPI.list_billers`."""
        with _translated():
            found = self._bank.bills.catalogue.billers(category=category, country=country)
            return [biller_of(b) for b in found]

    async def get_biller(self, biller_id: str) -> Biller:
        """See :meth:`BillsAPI.get_biller`."""
        check_biller_id(biller_id)
        with _translated():
            return biller_of(self._bank.bills.catalogue.get(biller_id))

    async def validate_bill(
        self,
        biller_id: str,
        fields: Mapping[str, str],
        amount_minor: int | None = None,
        *,
        partial: bool = False,
    ) -> BillValidation:
        """See :meth:`BillsAPI.validate_bill`."""
        check_biller_id(biller_id)
        check_amount_minor(amount_minor)
        values: dict[str, object] = dict(check_fields(fields))
        if amount_minor is not None:
            values["amount"] = amount_minor
        with _translated():
            return validation_of(self._bank.bills.validate(biller_id, values, partial=partial))

    async def quote_bill(
        self, account_id: UUID, biller_id: str, fields: Mapping[str, str], amount: Amount
    ) -> BillQuote:
        """See :meth:`BillsAPI.quote_bill`."""
        order = _order(account_id, biller_id, fields, amount)
        with _translated():
            return quote_of(await self._bank.bills.quote(order))

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
        order = _order(account_id, biller_id, fields, amount)
        with _translated():
            return payment_of(await self._bank.bills.pay(order, self._actor, key))

    async def get_bill_payment(self, payment_id: UUID) -> BillPayment:
        """See :meth:`BillsAPI.get_bill_payment`."""
        with _translated():
            return payment_of(await self._bank.bills.payment(payment_id))

    async def get_bill_receipt(self, payment_id: UUID) -> BillReceipt:
        """See :meth:`BillsAPI.get_bill_receipt`."""
        with _translated():
            return receipt_of(await self._bank.bills.receipt(payment_id))

    async def list_bill_payments(self, customer_id: UUID, limit: int = 20) -> list[BillPayment]:
        """See :meth:`BillsAPI.list_bill_payments`."""
        check_limit(limit)
        with _translated():
            found = await self._bank.bills.history(customer_id, limit=limit)
            return [payment_of(p) for p in found]

    async def repeat_bill_payment(
        self, customer_id: UUID, *, idempotency_key: str, payee_id: UUID | None = None
    ) -> BillPayment:
        """See :meth:`BillsAPI.repeat_bill_payment`."""
        key = checks.check_key(idempotency_key)
        with _translated():
            payment = await self._bank.bills.repeat(
                customer_id, self._actor, key, payee_id=payee_id
            )
            return payment_of(payment)

    async def save_bill_payee(
        self, customer_id: UUID, biller_id: str, fields: Mapping[str, str], name: str
    ) -> BillPayee:
        """See :meth:`BillsAPI.save_bill_payee`."""
        values = check_fields(fields)
        check_text(biller_id, "biller_id")
        check_text(name, "name")
        with _translated():
            payee = await self._bank.bills.payees.save(
                customer_id, biller_id, values, name, self._actor
            )
            return payee_of(payee)

    async def list_bill_payees(self, customer_id: UUID) -> list[BillPayee]:
        """See :meth:`BillsAPI.list_bill_payees`."""
        with _translated():
            return [payee_of(p) for p in await self._bank.bills.payees.of_customer(customer_id)]

    async def rename_bill_payee(self, customer_id: UUID, payee_id: UUID, name: str) -> BillPayee:
        """See :meth:`BillsAPI.rename_bill_payee`."""
        check_text(name, "name")
        with _translated():
            payee = await self._bank.bills.payees.rename(customer_id, payee_id, name, self._actor)
            return payee_of(payee)

    async def delete_bill_payee(self, customer_id: UUID, payee_id: UUID) -> BillPayee:
        """See :meth:`BillsAPI.delete_bill_payee`."""
        with _translated():
            return payee_of(
                await self._bank.bills.payees.delete(customer_id, payee_id, self._actor)
            )

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
        with _translated():
            payment = await self._bank.bills.pay_payee(
                customer_id,
                payee_id,
                account_id,
                amount.minor,
                amount.currency,
                self._actor,
                key,
            )
            return payment_of(payment)


def _order(
    account_id: UUID, biller_id: str, fields: Mapping[str, str], amount: Amount
) -> BillOrder:
    checks.check_amount(amount)
    values = check_fields(fields)
    check_text(biller_id, "biller_id")
    return BillOrder(account_id, biller_id, values, amount.minor, amount.currency)


# -- core views → the wrapper's types -------------------------------------------------------


def biller_of(b: CoreBiller) -> Biller:
    return Biller(
        id=b.id,
        name=b.name,
        category=b.category.value,
        country=b.country,
        currency=b.currency,
        fee_minor=b.fee,
        amount_min_minor=b.amount.min,
        amount_max_minor=b.amount.max,
        amount_choices_minor=tuple(b.amount.choices),
        fields=tuple(
            BillerField(
                name=f.name,
                kind=f.kind.value,
                example=f.example,
                required=bool(f.rules.get("required", False)),
            )
            for f in b.fields
        ),
    )


def validation_of(v: Validation) -> BillValidation:
    values = {k: val if isinstance(val, int) else str(val) for k, val in v.values.items()}
    errors = tuple(BillFieldError(e.field, e.code) for e in v.errors)
    return BillValidation(valid=v.ok, values=values, errors=errors)


def quote_of(q: Quote) -> BillQuote:
    return BillQuote(
        biller_id=q.biller.id,
        biller_name=q.biller.name,
        fields=dict(q.fields),
        amount_minor=q.amount,
        fee_minor=q.fee,
        total_minor=q.total,
        currency=q.currency,
    )


def payment_of(p: PaymentView) -> BillPayment:
    return BillPayment(
        id=p.id,
        customer_id=p.customer_id,
        account_id=p.account_id,
        biller_id=p.biller_id,
        biller_name=p.biller_name,
        fields=dict(p.fields),
        amount_minor=p.amount,
        fee_minor=p.fee,
        total_minor=p.total,
        currency=p.currency,
        status=BillPaymentStatus(p.status.value),
        reason=p.reason,
        provider_reference=p.provider_reference,
        payee_id=p.payee_id,
        debit_entry_id=p.debit_entry_id,
        final_entry_id=p.final_entry_id,
        created_at=p.created_at,
        finished_at=p.finished_at,
    )


def receipt_of(r: Receipt) -> BillReceipt:
    return BillReceipt(
        payment_id=r.payment_id,
        biller_id=r.biller_id,
        biller_name=r.biller_name,
        category=r.category,
        fields=dict(r.fields),
        amount_minor=r.amount,
        fee_minor=r.fee,
        total_minor=r.total,
        currency=r.currency,
        provider_reference=r.provider_reference,
        account_id=r.account_id,
        paid_at=r.paid_at,
    )


def payee_of(p: PayeeView) -> BillPayee:
    return BillPayee(
        id=p.id,
        customer_id=p.customer_id,
        biller_id=p.biller_id,
        biller_name=p.biller_name,
        name=p.name,
        fields=dict(p.fields),
        created_at=p.created_at,
    )
