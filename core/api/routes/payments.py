"""Payments for customers: fee quotes, limits, switch status, transfers to other
customers (preview, send, read) and money requests."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from core.api.deps import BankDep, IdempotencyKey, OptionalIdempotencyKey, Payments, Reader
from core.api.payments_schemas import (
    FeeQuoteOut,
    LimitStatusOut,
    MoneyRequestAccept,
    MoneyRequestCreate,
    MoneyRequestOut,
    OperationStatusOut,
    PayerAnswer,
    PaymentOut,
    PaymentTransferCreate,
    RequesterAnswer,
    TransferPreviewCreate,
    TransferPreviewOut,
)
from core.api.schemas import MAX_LIMIT_MINOR
from core.payments.model import MoneyRequestStatus, Operation, PaymentStatus, parse_enum
from core.payments.transfers import TransferRequest

router = APIRouter(tags=["payments"])
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/payments/fees/quote", response_model=FeeQuoteOut)
async def quote_fee(
    bank: BankDep,
    _: Reader,
    operation: str,
    currency: Annotated[str, Query(min_length=3, max_length=3)],
    amount_minor: Annotated[int, Query(gt=0, le=MAX_LIMIT_MINOR)],
) -> FeeQuoteOut:
    """What an operation of ``amount_minor`` costs now: fee and total."""
    op = parse_enum(Operation, operation, "operation")
    return FeeQuoteOut.of(await bank.payments.fees.quote(op, amount_minor, currency))


@router.get("/payments/operations/{operation}", response_model=OperationStatusOut)
async def operation_status(
    operation: str,
    bank: BankDep,
    _: Reader,
    currency: Annotated[str, Query(min_length=3, max_length=3)],
) -> OperationStatusOut:
    """Whether an admin switch stops ``operation`` in ``currency`` now, until when, why."""
    op = parse_enum(Operation, operation, "operation")
    found = await bank.payments.switches.blocking(op, currency)
    code = currency.upper()
    if found is None:
        return OperationStatusOut(operation=op.value, currency=code, enabled=True)
    return OperationStatusOut(
        operation=op.value,
        currency=code,
        enabled=False,
        scope=found.scope.value,
        until=found.ends_at,
        reason=found.reason,
    )


@router.get("/customers/{customer_id}/limits/{currency}", response_model=LimitStatusOut)
async def limits(customer_id: UUID, currency: str, bank: BankDep, _: Reader) -> LimitStatusOut:
    """The customer's daily and monthly outgoing limits in ``currency``, used and left."""
    return LimitStatusOut.of(await bank.payments.limits.status(customer_id, currency))


# -- transfers to another customer ----------------------------------------------------------


def _transfer(body: TransferPreviewCreate, description: str, fee: int | None) -> TransferRequest:
    return TransferRequest(
        body.source_account_id,
        body.recipient.ref(),
        body.minor(),
        body.currency.upper(),
        description,
        fee,
    )


@router.post("/payments/transfers/preview", response_model=TransferPreviewOut)
async def preview_transfer(
    body: TransferPreviewCreate, bank: BankDep, _: Payments
) -> TransferPreviewOut:
    """Amount, fee, total and the recipient's masked name, before the customer confirms.
    Nothing changes."""
    preview = await bank.payments.transfers.preview(_transfer(body, "Transfer", None))
    return TransferPreviewOut.of(preview)


@router.post("/payments/transfers", status_code=201, response_model=PaymentOut)
async def send_transfer(
    body: PaymentTransferCreate, who: Payments, key: IdempotencyKey, bank: BankDep
) -> PaymentOut:
    """Send money to another Teller customer. ``status`` is ``completed``, or
    ``pending_review`` when the risk review holds it (the money is then on hold)."""
    request = _transfer(body, body.description, body.expected_fee_minor)
    return PaymentOut.of(await bank.payments.transfers.send(request, who.actor, key))


@router.get("/payments/transfers/{payment_id}", response_model=PaymentOut)
async def get_transfer(payment_id: UUID, bank: BankDep, _: Reader) -> PaymentOut:
    return PaymentOut.of(await bank.payments.transfers.get(payment_id))


@router.get("/payments/transfers", response_model=list[PaymentOut])
async def list_transfers(
    bank: BankDep,
    _: Reader,
    status: str | None = None,
    customer_id: UUID | None = None,
    limit: Limit = 50,
) -> list[PaymentOut]:
    """Newest first; ``status=pending_review`` is the review queue."""
    wanted = None if status is None else parse_enum(PaymentStatus, status, "status")
    found = await bank.payments.transfers.list(status=wanted, customer_id=customer_id, limit=limit)
    return [PaymentOut.of(p) for p in found]


# -- money requests -----------------------------------------------------------------------


@router.post("/money-requests", status_code=201, response_model=MoneyRequestOut)
async def request_money(
    body: MoneyRequestCreate, who: Payments, bank: BankDep, key: OptionalIdempotencyKey = None
) -> MoneyRequestOut:
    """Ask another customer (by phone or account) for money, paid into
    ``requester_account_id``."""
    view = await bank.payments.requests.create(
        body.requester_account_id,
        body.payer.ref(),
        body.minor(),
        body.currency.upper(),
        body.note,
        who.actor,
        idempotency_key=key,
    )
    return MoneyRequestOut.of(view)


@router.get("/money-requests/{request_id}", response_model=MoneyRequestOut)
async def get_money_request(request_id: UUID, bank: BankDep, _: Reader) -> MoneyRequestOut:
    return MoneyRequestOut.of(await bank.payments.requests.get(request_id))


@router.get("/customers/{customer_id}/money-requests", response_model=list[MoneyRequestOut])
async def list_money_requests(
    customer_id: UUID,
    bank: BankDep,
    _: Reader,
    role: Literal["payer", "requester"] | None = None,
    status: str | None = None,
    limit: Limit = 50,
) -> list[MoneyRequestOut]:
    """Requests asked of the customer (``payer``), asked by them (``requester``), or both."""
    wanted = None if status is None else parse_enum(MoneyRequestStatus, status, "status")
    found = await bank.payments.requests.for_customer(
        customer_id, role=role, status=wanted, limit=limit
    )
    return [MoneyRequestOut.of(r) for r in found]


@router.post("/money-requests/{request_id}/accept", response_model=PaymentOut)
async def accept_money_request(
    request_id: UUID, body: MoneyRequestAccept, who: Payments, key: IdempotencyKey, bank: BankDep
) -> PaymentOut:
    """Pay the request from the payer's account: a transfer like any other."""
    payment = await bank.payments.requests.accept(
        request_id, body.source_account_id, who.actor, key, expected_fee=body.expected_fee_minor
    )
    return PaymentOut.of(payment)


@router.post("/money-requests/{request_id}/decline", response_model=MoneyRequestOut)
async def decline_money_request(
    request_id: UUID, body: PayerAnswer, who: Payments, bank: BankDep
) -> MoneyRequestOut:
    view = await bank.payments.requests.decline(request_id, body.payer_customer_id, who.actor)
    return MoneyRequestOut.of(view)


@router.post("/money-requests/{request_id}/cancel", response_model=MoneyRequestOut)
async def cancel_money_request(
    request_id: UUID, body: RequesterAnswer, who: Payments, bank: BankDep
) -> MoneyRequestOut:
    view = await bank.payments.requests.cancel(request_id, body.requester_customer_id, who.actor)
    return MoneyRequestOut.of(view)
