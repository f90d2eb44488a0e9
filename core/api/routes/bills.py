"""Bill payments: billers and their fields, validation, quotes, paying, receipts, payees.

Reading the catalogue, validating and quoting need ``bank.read``; paying needs
``bank.payments`` and an ``Idempotency-Key``; saved payees are customer data
(``bank.customers``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from core.api.bills_schemas import (
    BillerOut,
    BillOrderIn,
    BillPaymentOut,
    PayeeCreate,
    PayeeOut,
    PayeePaymentIn,
    PayeeRename,
    QuoteOut,
    ReceiptOut,
    RepeatIn,
    ValidationIn,
    ValidationOut,
)
from core.api.deps import BankDep, CustomerAgent, IdempotencyKey, Payments, Reader
from core.bills.orders import BillOrder
from core.bills.service import MAX_HISTORY

router = APIRouter(tags=["bill payments"])


def _order(body: BillOrderIn) -> BillOrder:
    return BillOrder(
        body.account_id, body.biller_id, body.fields, body.minor(), body.currency.upper()
    )


@router.get("/billers", response_model=list[BillerOut])
async def list_billers(
    bank: BankDep,
    _: Reader,
    category: Annotated[str | None, Query()] = None,
    country: Annotated[str | None, Query()] = None,
) -> list[BillerOut]:
    billers = bank.bills.catalogue.billers(category=category, country=country)
    return [BillerOut.of(b) for b in billers]


@router.get("/billers/{biller_id}", response_model=BillerOut)
async def get_biller(biller_id: str, bank: BankDep, _: Reader) -> BillerOut:
    return BillerOut.of(bank.bills.catalogue.get(biller_id))


@router.post("/billers/{biller_id}/validation", response_model=ValidationOut)
async def validate(biller_id: str, body: ValidationIn, bank: BankDep, _: Reader) -> ValidationOut:
    """Check field values (and an amount in minor units) against the biller's schema;
    ``partial`` checks only the fields given. Invalid input is a 200 with its errors."""
    values: dict[str, object] = dict(body.fields)
    if body.amount_minor is not None:
        values["amount"] = body.amount_minor
    return ValidationOut.of(bank.bills.validate(biller_id, values, partial=body.partial))


@router.post("/bill-payments/quote", response_model=QuoteOut)
async def quote(body: BillOrderIn, bank: BankDep, _: Reader) -> QuoteOut:
    """The fee and total the payment would be charged now, for the customer to confirm."""
    return QuoteOut.of(await bank.bills.quote(_order(body)))


@router.post("/bill-payments", status_code=201, response_model=BillPaymentOut)
async def pay(
    body: BillOrderIn, who: Payments, key: IdempotencyKey, bank: BankDep
) -> BillPaymentOut:
    """Pay a bill: ``completed``, ``rejected`` (money returned) or ``unknown`` (settled later
    by reconciliation)."""
    return BillPaymentOut.of(await bank.bills.pay(_order(body), who.actor, key))


@router.get("/bill-payments/{payment_id}", response_model=BillPaymentOut)
async def get_payment(payment_id: UUID, bank: BankDep, _: Reader) -> BillPaymentOut:
    return BillPaymentOut.of(await bank.bills.payment(payment_id))


@router.get("/bill-payments/{payment_id}/receipt", response_model=ReceiptOut)
async def get_receipt(payment_id: UUID, bank: BankDep, _: Reader) -> ReceiptOut:
    return ReceiptOut.of(await bank.bills.receipt(payment_id))


@router.get("/customers/{customer_id}/bill-payments", response_model=list[BillPaymentOut])
async def history(
    customer_id: UUID,
    bank: BankDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=MAX_HISTORY)] = 20,
) -> list[BillPaymentOut]:
    return [BillPaymentOut.of(p) for p in await bank.bills.history(customer_id, limit=limit)]


@router.post(
    "/customers/{customer_id}/bill-payments/repeat",
    status_code=201,
    response_model=BillPaymentOut,
)
async def repeat(
    customer_id: UUID, body: RepeatIn, who: Payments, key: IdempotencyKey, bank: BankDep
) -> BillPaymentOut:
    """Pay again the customer's last completed payment (to ``payee_id`` if given)."""
    payment = await bank.bills.repeat(customer_id, who.actor, key, payee_id=body.payee_id)
    return BillPaymentOut.of(payment)


@router.get("/customers/{customer_id}/bill-payees", response_model=list[PayeeOut])
async def list_payees(customer_id: UUID, bank: BankDep, _: Reader) -> list[PayeeOut]:
    return [PayeeOut.of(p) for p in await bank.bills.payees.of_customer(customer_id)]


@router.post("/customers/{customer_id}/bill-payees", status_code=201, response_model=PayeeOut)
async def save_payee(
    customer_id: UUID, body: PayeeCreate, who: CustomerAgent, bank: BankDep
) -> PayeeOut:
    payee = await bank.bills.payees.save(
        customer_id, body.biller_id, body.fields, body.name, who.actor
    )
    return PayeeOut.of(payee)


@router.patch("/customers/{customer_id}/bill-payees/{payee_id}", response_model=PayeeOut)
async def rename_payee(
    customer_id: UUID, payee_id: UUID, body: PayeeRename, who: CustomerAgent, bank: BankDep
) -> PayeeOut:
    return PayeeOut.of(await bank.bills.payees.rename(customer_id, payee_id, body.name, who.actor))


@router.delete("/customers/{customer_id}/bill-payees/{payee_id}", response_model=PayeeOut)
async def delete_payee(
    customer_id: UUID, payee_id: UUID, who: CustomerAgent, bank: BankDep
) -> PayeeOut:
    """Forget the payee; answers what was deleted."""
    return PayeeOut.of(await bank.bills.payees.delete(customer_id, payee_id, who.actor))


@router.post(
    "/customers/{customer_id}/bill-payees/{payee_id}/payments",
    status_code=201,
    response_model=BillPaymentOut,
)
async def pay_payee(
    customer_id: UUID,
    payee_id: UUID,
    body: PayeePaymentIn,
    who: Payments,
    key: IdempotencyKey,
    bank: BankDep,
) -> BillPaymentOut:
    payment = await bank.bills.pay_payee(
        customer_id,
        payee_id,
        body.account_id,
        body.minor(),
        body.currency.upper(),
        who.actor,
        key,
    )
    return BillPaymentOut.of(payment)
