"""Customers' personal data at rest, and accounts' lifecycle."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from core.accounts.numbers import is_valid_iban
from core.actors import SYSTEM
from core.bank import Bank
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import CustomerExists, CustomerNotFound, NewCustomer
from core.errors import ValidationFailed
from core.ledger.errors import AccountClosed, AccountNotEmpty, InsufficientFunds
from core.ledger.model import AccountStatus
from core.money import UnknownCurrency
from core.persistence.tables import customers
from tests.conftest import CURRENCIES, INDEX_KEY, KEY_SPEC
from tests.fakes import MutableClock
from tests.integration.helpers import funded_account

PETRO = NewCustomer("Петро Шевченко", "uk", "+380 67 123 4567", "Petro@Example.com")


async def test_personal_data_is_encrypted_at_rest_and_found_by_phone(bank: Bank) -> None:
    created = await bank.customers.create(PETRO, SYSTEM)
    assert (created.phone, created.email) == ("+380671234567", "petro@example.com")
    async with bank.db.read() as conn:
        row = (await conn.execute(select(customers))).one()
    stored = " ".join(str(v) for v in row)
    assert "Шевченко" not in stored
    assert "380671234567" not in stored
    assert "petro@" not in stored
    found = await bank.customers.find_by_phone("00380 67-123-4567")
    assert found == created


async def test_phone_and_email_are_unique(bank: Bank) -> None:
    await bank.customers.create(PETRO, SYSTEM)
    with pytest.raises(CustomerExists):
        await bank.customers.create(NewCustomer("Other", phone="+380671234567"), SYSTEM)
    with pytest.raises(CustomerExists):
        await bank.customers.create(NewCustomer("Other", email="PETRO@example.com"), SYSTEM)


@pytest.mark.parametrize(
    "bad",
    [
        NewCustomer(""),
        NewCustomer("x" * 121),
        NewCustomer("Ann", "de"),
        NewCustomer("Ann", phone="12345"),
        NewCustomer("Ann", email="not-an-email"),
    ],
)
async def test_invalid_customer_data_is_refused(bank: Bank, bad: NewCustomer) -> None:
    with pytest.raises(ValidationFailed):
        await bank.customers.create(bad, SYSTEM)


async def test_kyc_status_and_language_change(bank: Bank) -> None:
    c = await bank.customers.create(PETRO, SYSTEM)
    assert (
        await bank.customers.set_kyc_status(c.id, KycStatus.VERIFIED, SYSTEM)
    ).kyc_status is KycStatus.VERIFIED
    assert (await bank.customers.set_language(c.id, "ru", SYSTEM)).language == "ru"


async def test_key_rotation_reencrypts_under_the_new_key(bank: Bank, clock: MutableClock) -> None:
    c = await bank.customers.create(PETRO, SYSTEM)
    new_spec = "test2:" + base64.b64encode(b"n" * 32).decode() + "," + KEY_SPEC
    rotated = Bank.build(bank.db, Keyring.parse_spec(new_spec, INDEX_KEY), CURRENCIES, clock=clock)
    assert await rotated.customers.rotate_encryption(SYSTEM) == 1
    assert await rotated.customers.rotate_encryption(SYSTEM) == 0
    async with bank.db.read() as conn:
        row = (await conn.execute(select(customers))).one()
    assert row.full_name_enc.startswith("v1.test2.")
    assert await rotated.customers.get(c.id) == c
    assert (await rotated.customers.find_by_phone("+380671234567")).id == c.id


async def test_accounts_get_valid_ibans_and_only_supported_currencies(bank: Bank) -> None:
    c = await bank.customers.create(PETRO, SYSTEM)
    account = await bank.accounts.open(c.id, "czk", SYSTEM)
    assert account.currency == "CZK"
    assert is_valid_iban(account.number)
    with pytest.raises(UnknownCurrency):
        await bank.accounts.open(c.id, "GBP", SYSTEM)  # ISO, but not kept by this bank
    with pytest.raises(CustomerNotFound):
        await bank.accounts.open(account.id, "EUR", SYSTEM)
    assert [a.id for a in await bank.accounts.for_customer(c.id)] == [account.id]


async def test_closing_needs_an_empty_account_and_is_final(bank: Bank) -> None:
    account = await funded_account(bank, 100)
    with pytest.raises(AccountNotEmpty):
        await bank.accounts.close(account.id, SYSTEM, "customer asked")
    empty = await funded_account(bank)
    closed = await bank.accounts.close(empty.id, SYSTEM, "customer asked")
    assert closed.status is AccountStatus.CLOSED
    with pytest.raises(AccountClosed):
        await bank.accounts.unfreeze(empty.id, SYSTEM, "reopen?")


async def test_overdraft_limit_cannot_drop_below_what_is_used(bank: Bank) -> None:
    from core.ledger.commands import Withdraw

    account = await funded_account(bank, 0, overdraft=1_000)
    await bank.ledger.withdraw(Withdraw("w", account.id, 600, "EUR"), SYSTEM)
    with pytest.raises(InsufficientFunds):
        await bank.accounts.set_overdraft_limit(account.id, 500, SYSTEM)
    updated = await bank.accounts.set_overdraft_limit(account.id, 600, SYSTEM)
    assert updated.available == 0


async def test_registration_and_opening_with_a_key_happen_once(bank: Bank) -> None:
    from core.ledger.errors import IdempotencyConflict

    first = await bank.customers.create(PETRO, SYSTEM, idempotency_key="reg-1")
    again = await bank.customers.create(PETRO, SYSTEM, idempotency_key="reg-1")
    assert again == first
    with pytest.raises(IdempotencyConflict):
        await bank.customers.create(NewCustomer("Someone Else"), SYSTEM, idempotency_key="reg-1")
    account = await bank.accounts.open(first.id, "EUR", SYSTEM, idempotency_key="acc-1")
    same = await bank.accounts.open(first.id, "EUR", SYSTEM, idempotency_key="acc-1")
    assert same == account
    with pytest.raises(IdempotencyConflict):
        await bank.accounts.open(first.id, "CZK", SYSTEM, idempotency_key="acc-1")
    assert len(await bank.accounts.for_customer(first.id)) == 1


async def test_bank_accounts_are_created_once_when_processes_start_together(
    bank: Bank, clock: MutableClock, keyring: Keyring
) -> None:
    import asyncio

    from core.persistence.database import Database

    others = [Database(bank.db.url) for _ in range(3)]
    try:
        banks = [Bank.build(db, keyring, [*CURRENCIES, "GBP"], clock=clock) for db in others]
        created = await asyncio.gather(*(b.accounts.ensure_bank_accounts(SYSTEM) for b in banks))
    finally:
        for db in others:
            await db.dispose()
    assert sorted(created) == [0, 0, 5]  # one of them made GBP's five accounts


async def test_a_contact_change_is_announced_without_its_value(bank: Bank) -> None:
    from core.persistence.tables import events

    customer = await bank.customers.create(
        NewCustomer("Ivan Petrov", phone="+420601999000"), SYSTEM
    )
    await bank.customers.change_contact(customer.id, SYSTEM, phone="+420 601 999 001")
    await bank.customers.change_contact(customer.id, SYSTEM, phone="+420601999001")  # same again
    assert (await bank.customers.find_by_phone("+420601999001")).id == customer.id
    async with bank.db.read() as conn:
        rows = (
            await conn.execute(
                select(events.c.payload).where(events.c.type == "customer.contact_changed")
            )
        ).all()
    assert [dict(r.payload) for r in rows] == [
        {"customer_id": str(customer.id), "changed": ["phone"]}
    ]
    assert "601999001" not in str(rows)
