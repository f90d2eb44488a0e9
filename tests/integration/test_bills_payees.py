"""Saved payees and repeating a payment, on both backends: details kept encrypted, shown
masked, only ever the customer's own."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import select

from core.accounts.service import AccountView
from core.actors import SYSTEM
from core.bank import Bank
from core.bills.errors import (
    BillFieldsInvalid,
    NoPreviousPayment,
    PayeeExists,
    PayeeNotFound,
)
from core.bills.model import PaymentStatus
from core.bills.orders import BillOrder
from core.bills.policy import CatalogueFees
from core.bills.tables import bill_payees
from core.crypto import Keyring
from core.customers.service import CustomerNotFound
from core.errors import ValidationFailed
from core.ledger.errors import IdempotencyConflict
from core.persistence.database import Database
from integrations.billers.simulator import SimulatorBillerGateway
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.integration.helpers import balance_of, funded_account
from tests.integration.test_bills_payments import ME, POWER, POWER_FIELDS, QUIET

MOBILE = "cz-bohemia-mobile"


@pytest.fixture
def gateway(clock: MutableClock) -> SimulatorBillerGateway:
    return SimulatorBillerGateway(QUIET, clock.now)


@pytest.fixture
async def bank(
    database: Database, keyring: Keyring, clock: MutableClock, gateway: SimulatorBillerGateway
) -> Bank:
    built = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        biller_gateway=gateway,
        bill_policy=CatalogueFees(),
    )
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def customer_account(bank: Bank) -> AccountView:
    return await funded_account(bank, 1_000_000, "CZK")


async def test_a_saved_payee_keeps_its_details_encrypted_and_shows_them_masked(
    bank: Bank,
) -> None:
    account = await customer_account(bank)
    assert account.customer_id is not None
    payee = await bank.bills.payees.save(
        account.customer_id, MOBILE, {"phone": "601 123 456"}, "Mum's phone", ME
    )
    assert (payee.name, payee.biller_id, payee.biller_name) == (
        "Mum's phone",
        MOBILE,
        "Bohemia Mobile",
    )
    assert payee.fields == {"phone": "+420 ••••••456"}
    async with bank.db.read() as conn:
        row = (await conn.execute(select(bill_payees))).one()
    assert "601123456" not in row.fields_enc
    assert "Mum" not in row.name_enc
    assert await bank.bills.payees.of_customer(account.customer_id) == [payee]


async def test_the_same_details_cannot_be_saved_twice(bank: Bank) -> None:
    account = await customer_account(bank)
    assert account.customer_id is not None
    first = await bank.bills.payees.save(
        account.customer_id, MOBILE, {"phone": "601 123 456"}, "Mum", ME
    )
    with pytest.raises(PayeeExists) as caught:
        # The same number typed another way is the same payee.
        await bank.bills.payees.save(
            account.customer_id, MOBILE, {"phone": "+420601123456"}, "Mother", ME
        )
    assert caught.value.data == {"payee_id": str(first.id)}
    other = await customer_account(bank)
    assert other.customer_id is not None
    await bank.bills.payees.save(other.customer_id, MOBILE, {"phone": "601 123 456"}, "Mum", ME)


async def test_a_payee_is_saved_only_with_valid_details_and_a_name(bank: Bank) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    with pytest.raises(BillFieldsInvalid):
        await bank.bills.payees.save(customer, MOBILE, {"phone": "212 345 678"}, "Office", ME)
    with pytest.raises(ValidationFailed):
        await bank.bills.payees.save(customer, MOBILE, {"phone": "601 123 456"}, "  ", ME)
    with pytest.raises(ValidationFailed):
        await bank.bills.payees.save(customer, MOBILE, {"phone": "601 123 456"}, "x" * 61, ME)
    with pytest.raises(CustomerNotFound):
        await bank.bills.payees.save(uuid4(), MOBILE, {"phone": "601 123 456"}, "Mum", ME)
    assert await bank.bills.payees.of_customer(customer) == []


async def test_a_payee_can_be_renamed_and_deleted_by_its_customer_only(bank: Bank) -> None:
    account = await customer_account(bank)
    stranger = await customer_account(bank)
    assert account.customer_id is not None
    assert stranger.customer_id is not None
    payee = await bank.bills.payees.save(account.customer_id, POWER, POWER_FIELDS, "Flat", ME)
    with pytest.raises(PayeeNotFound):
        await bank.bills.payees.rename(stranger.customer_id, payee.id, "Mine now", ME)
    with pytest.raises(PayeeNotFound):
        await bank.bills.payees.delete(stranger.customer_id, payee.id, ME)
    renamed = await bank.bills.payees.rename(account.customer_id, payee.id, " Home  power ", ME)
    assert renamed.name == "Home power"
    deleted = await bank.bills.payees.delete(account.customer_id, payee.id, ME)
    assert deleted == renamed
    assert await bank.bills.payees.of_customer(account.customer_id) == []
    with pytest.raises(PayeeNotFound):
        await bank.bills.payees.delete(account.customer_id, payee.id, ME)


async def test_paying_a_payee_uses_its_saved_details(bank: Bank) -> None:
    account = await customer_account(bank)
    assert account.customer_id is not None
    payee = await bank.bills.payees.save(account.customer_id, POWER, POWER_FIELDS, "Flat", ME)
    payment = await bank.bills.pay_payee(
        account.customer_id, payee.id, account.id, 80_000, "CZK", ME, "k1"
    )
    assert payment.status is PaymentStatus.COMPLETED
    assert (payment.biller_id, payment.payee_id, payment.fields) == (
        POWER,
        payee.id,
        payee.fields,
    )
    assert await balance_of(bank, account.id) == 1_000_000 - 80_500


async def test_a_payee_cannot_be_paid_from_another_customers_account(bank: Bank) -> None:
    account = await customer_account(bank)
    stranger = await customer_account(bank)
    assert account.customer_id is not None
    payee = await bank.bills.payees.save(account.customer_id, POWER, POWER_FIELDS, "Flat", ME)
    with pytest.raises(PayeeNotFound):
        await bank.bills.pay_payee(
            account.customer_id, payee.id, stranger.id, 80_000, "CZK", ME, "k1"
        )
    assert await balance_of(bank, stranger.id) == 1_000_000


async def test_repeating_pays_the_last_payment_again_under_a_fresh_key(
    bank: Bank, clock: MutableClock
) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    with pytest.raises(NoPreviousPayment):
        await bank.bills.repeat(customer, ME, "r0")
    mobile = BillOrder(account.id, MOBILE, {"phone": "601 123 456"}, 30_000, "CZK")
    await bank.bills.pay(BillOrder(account.id, POWER, POWER_FIELDS, 120_000, "CZK"), ME, "k1")
    clock.advance(seconds=1)
    last = await bank.bills.pay(mobile, ME, "k2")
    clock.advance(seconds=1)
    again = await bank.bills.repeat(customer, ME, "r1")
    assert again.id != last.id
    assert (again.biller_id, again.amount, again.fields, again.account_id) == (
        MOBILE,
        30_000,
        last.fields,
        account.id,
    )
    assert (await bank.bills.repeat(customer, ME, "r1")).id == again.id  # its key holds
    with pytest.raises(IdempotencyConflict):
        await bank.bills.repeat(customer, ME, "k1")  # a key already used for another


async def test_repeating_to_a_payee_finds_the_last_payment_to_its_details(
    bank: Bank, clock: MutableClock
) -> None:
    account = await customer_account(bank)
    customer = account.customer_id
    assert customer is not None
    flat = await bank.bills.payees.save(customer, POWER, POWER_FIELDS, "Flat", ME)
    with pytest.raises(NoPreviousPayment):
        await bank.bills.repeat(customer, ME, "r0", payee_id=flat.id)
    # Paid once with the details typed in, before they were saved: it counts as the payee's.
    typed = {"customer_number": "3982597918"}
    await bank.bills.pay(BillOrder(account.id, POWER, typed, 150_000, "CZK"), ME, "k1")
    clock.advance(seconds=1)
    other = BillOrder(account.id, MOBILE, {"phone": "601 123 456"}, 30_000, "CZK")
    await bank.bills.pay(other, ME, "k2")
    clock.advance(seconds=1)
    again = await bank.bills.repeat(customer, ME, "r1", payee_id=flat.id)
    assert (again.biller_id, again.amount, again.payee_id) == (POWER, 150_000, flat.id)
    with pytest.raises(PayeeNotFound):
        await bank.bills.repeat(customer, ME, "r2", payee_id=uuid4())


async def test_key_rotation_reencrypts_payees_and_payment_details(
    bank: Bank, clock: MutableClock
) -> None:
    import base64

    from sqlalchemy import select

    from core.bills.tables import bill_payees, bill_payments
    from tests.conftest import INDEX_KEY, KEY_SPEC

    account = await funded_account(bank, 1_000_000, "CZK")
    assert account.customer_id is not None
    payee = await bank.bills.payees.save(
        account.customer_id, POWER, POWER_FIELDS, "Flat in Karlín", ME
    )
    await bank.bills.pay(BillOrder(account.id, POWER, POWER_FIELDS, 120_000, "CZK"), ME, "rot-1")
    new_spec = "test2:" + base64.b64encode(b"n" * 32).decode() + "," + KEY_SPEC
    rotated = Bank.build(bank.db, Keyring.parse_spec(new_spec, INDEX_KEY), CURRENCIES, clock=clock)
    assert await rotated.bills.rotate_encryption(SYSTEM) == 3  # a payment, a name, details
    assert await rotated.bills.rotate_encryption(SYSTEM) == 0
    async with bank.db.read() as conn:
        tokens = [
            *(await conn.execute(select(bill_payments.c.fields_enc))).scalars(),
            *(await conn.execute(select(bill_payees.c.name_enc))).scalars(),
        ]
    assert all(token.startswith("v1.test2.") for token in tokens)
    (listed,) = await rotated.bills.payees.of_customer(account.customer_id)
    assert (listed.id, listed.name) == (payee.id, "Flat in Karlín")
    biller, fields = await rotated.bills.payees.details(account.customer_id, payee.id)
    assert (biller, fields) == (POWER, {"customer_number": "3982597918"})  # normalized
