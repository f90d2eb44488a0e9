"""Customers and their accounts."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from core.api.deps import Admin, BankDep, CustomerAgent, OptionalIdempotencyKey, Reader
from core.api.schemas import (
    AccountCreate,
    AccountOut,
    BalanceOut,
    ContactChange,
    CustomerCreate,
    CustomerOut,
    KycUpdate,
    OverdraftChange,
    StatusChange,
)
from core.customers.model import KycStatus
from core.customers.service import NewCustomer

router = APIRouter(tags=["customers and accounts"])


@router.post("/customers", status_code=201, response_model=CustomerOut)
async def create_customer(
    body: CustomerCreate, bank: BankDep, who: CustomerAgent, key: OptionalIdempotencyKey = None
) -> CustomerOut:
    new = NewCustomer(body.full_name, body.language, body.phone, body.email)
    return CustomerOut.of(await bank.customers.create(new, who.actor, idempotency_key=key))


@router.get("/customers/{customer_id}", response_model=CustomerOut)
async def get_customer(customer_id: UUID, bank: BankDep, _: Reader) -> CustomerOut:
    return CustomerOut.of(await bank.customers.get(customer_id))


@router.put("/customers/{customer_id}/contact", response_model=CustomerOut)
async def change_contact(
    customer_id: UUID, body: ContactChange, bank: BankDep, who: CustomerAgent
) -> CustomerOut:
    """Replace the customer's phone and/or e-mail; ``customer.contact_changed`` follows."""
    changed = await bank.customers.change_contact(
        customer_id, who.actor, phone=body.phone, email=body.email
    )
    return CustomerOut.of(changed)


@router.put("/customers/{customer_id}/kyc", response_model=CustomerOut)
async def set_kyc(
    customer_id: UUID, body: KycUpdate, bank: BankDep, who: CustomerAgent
) -> CustomerOut:
    status = KycStatus(body.status)
    return CustomerOut.of(await bank.customers.set_kyc_status(customer_id, status, who.actor))


@router.post("/customers/{customer_id}/accounts", status_code=201, response_model=AccountOut)
async def open_account(
    customer_id: UUID,
    body: AccountCreate,
    bank: BankDep,
    who: CustomerAgent,
    key: OptionalIdempotencyKey = None,
) -> AccountOut:
    view = await bank.accounts.open(
        customer_id,
        body.currency.upper(),
        who.actor,
        name=body.name,
        overdraft_limit=body.overdraft_limit_minor,
        idempotency_key=key,
    )
    return AccountOut.of(view)


@router.get("/customers/{customer_id}/accounts", response_model=list[AccountOut])
async def list_accounts(customer_id: UUID, bank: BankDep, _: Reader) -> list[AccountOut]:
    await bank.customers.get(customer_id)  # 404 for an unknown customer, not an empty list
    return [AccountOut.of(v) for v in await bank.accounts.for_customer(customer_id)]


@router.get("/accounts/{account_id}", response_model=AccountOut)
async def get_account(account_id: UUID, bank: BankDep, _: Reader) -> AccountOut:
    return AccountOut.of(await bank.accounts.get(account_id))


@router.get("/accounts/{account_id}/balance", response_model=BalanceOut)
async def get_balance(account_id: UUID, bank: BankDep, _: Reader) -> BalanceOut:
    b = await bank.ledger.balance(account_id)
    return BalanceOut(
        account_id=b.account_id,
        currency=b.currency,
        ledger_minor=b.ledger,
        held_minor=b.held,
        available_minor=b.available,
        overdraft_limit_minor=b.overdraft_limit,
    )


@router.post("/accounts/{account_id}/freeze", response_model=AccountOut)
async def freeze(account_id: UUID, body: StatusChange, bank: BankDep, who: Admin) -> AccountOut:
    return AccountOut.of(await bank.accounts.freeze(account_id, who.actor, body.reason))


@router.post("/accounts/{account_id}/unfreeze", response_model=AccountOut)
async def unfreeze(account_id: UUID, body: StatusChange, bank: BankDep, who: Admin) -> AccountOut:
    return AccountOut.of(await bank.accounts.unfreeze(account_id, who.actor, body.reason))


@router.post("/accounts/{account_id}/close", response_model=AccountOut)
async def close(account_id: UUID, body: StatusChange, bank: BankDep, who: Admin) -> AccountOut:
    return AccountOut.of(await bank.accounts.close(account_id, who.actor, body.reason))


@router.put("/accounts/{account_id}/overdraft-limit", response_model=AccountOut)
async def set_overdraft(
    account_id: UUID, body: OverdraftChange, bank: BankDep, who: Admin
) -> AccountOut:
    view = await bank.accounts.set_overdraft_limit(
        account_id, body.overdraft_limit_minor, who.actor
    )
    return AccountOut.of(view)
