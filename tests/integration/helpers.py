"""Small builders for service-level tests."""

from __future__ import annotations

from uuid import UUID, uuid4

from core.accounts.service import AccountView
from core.actors import SYSTEM
from core.bank import Bank
from core.customers.service import NewCustomer
from core.ledger.commands import Deposit


async def funded_account(
    bank: Bank, amount: int = 0, currency: str = "EUR", *, overdraft: int = 0
) -> AccountView:
    """A new customer's account holding ``amount`` minor units."""
    customer = await bank.customers.create(NewCustomer(f"Customer {uuid4().hex[:6]}"), SYSTEM)
    account = await bank.accounts.open(customer.id, currency, SYSTEM, overdraft_limit=overdraft)
    if amount:
        await bank.ledger.deposit(Deposit(uuid4().hex, account.id, amount, currency), SYSTEM)
    return account


async def balance_of(bank: Bank, account_id: UUID) -> int:
    return (await bank.ledger.balance(account_id)).ledger
