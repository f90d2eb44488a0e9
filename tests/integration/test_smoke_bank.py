from core.actors import SYSTEM
from core.bank import Bank
from core.customers.service import NewCustomer
from core.ledger.commands import Deposit


async def test_deposit_shows_in_balance_and_verifies(bank: Bank) -> None:
    customer = await bank.customers.create(NewCustomer("Ivana Petrová", "cs"), SYSTEM)
    account = await bank.accounts.open(customer.id, "EUR", SYSTEM)
    await bank.ledger.deposit(Deposit("dep-1", account.id, 12_50, "EUR"), SYSTEM)
    balance = await bank.ledger.balance(account.id)
    assert (balance.ledger, balance.available) == (1250, 1250)
    assert (await bank.verify_ledger()).ok
    assert (await bank.verify_audit()).ok
