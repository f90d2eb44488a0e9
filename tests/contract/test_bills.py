"""The bill payments part of ``BankAPI``: ``LocalBank`` and ``HttpBank`` on both backends
return the same values and raise the same error class with the same code."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.bills.policy import CatalogueFees
from core.crypto import Keyring
from core.ledger.model import BankPurpose
from core.persistence.database import Database
from integrations.bank import (
    Account,
    Amount,
    BankAPI,
    BillFieldError,
    BillPaymentStatus,
    Conflict,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    bill_field_errors,
)
from integrations.billers.simulator import (
    Behaviour,
    Scripted,
    SimulatorBillerGateway,
    SimulatorSettings,
    provider_reference,
)
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock, run_jobs

QUIET = SimulatorSettings(reject_rate=0, timeout_rate=0, min_delay=0, max_delay=0, hang=0)
POWER = "cz-praha-power"
POWER_FIELDS = {"customer_number": "3982 5979 18"}


@pytest.fixture
def gateway(clock: MutableClock) -> SimulatorBillerGateway:
    return SimulatorBillerGateway(QUIET, clock.now)


@pytest.fixture
async def bank(
    database: Database, keyring: Keyring, clock: MutableClock, gateway: SimulatorBillerGateway
) -> Bank:
    """The test bank with the simulator as its biller gateway (for both implementations)."""
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


def czk(minor: int) -> Amount:
    return Amount(minor, "CZK")


def key() -> str:
    return f"bills-{uuid4()}"


async def czk_account(api: BankAPI, funded: int = 1_000_000) -> Account:
    customer = await api.register_customer("Petra Svobodová", "cs")
    account = await api.open_account(customer.id, "CZK")
    if funded:
        await api.deposit(account.id, czk(funded), description="Top-up", idempotency_key=key())
    return account


async def customer_of(account: Account) -> UUID:
    assert account.customer_id is not None
    return account.customer_id


# -- the catalogue and validation -------------------------------------------------------


async def test_billers_are_listed_with_their_fields_and_amount_rules(bank_api: BankAPI) -> None:
    billers = await bank_api.list_billers()
    assert len(billers) >= 15
    power = await bank_api.get_biller(POWER)
    assert power in billers
    assert (power.name, power.category, power.country, power.currency) == (
        "Praha Power",
        "utilities",
        "CZ",
        "CZK",
    )
    assert (power.fee_minor, power.amount_min_minor, power.amount_max_minor) == (
        500,
        10_000,
        5_000_000,
    )
    assert [(f.name, f.kind, f.required) for f in power.fields] == [
        ("customer_number", "number", True)
    ]
    transit = await bank_api.get_biller("cz-prague-transit")
    assert transit.amount_choices_minor == (55_000, 148_000, 365_000)
    mobile = await bank_api.list_billers(category="mobile", country="cz")
    assert [b.id for b in mobile] == ["cz-bohemia-mobile", "cz-vltava-tel"]


@pytest.mark.parametrize("biller_id", ["cz-nobody", "", "x" * 300])
async def test_an_unknown_biller_is_not_found(bank_api: BankAPI, biller_id: str) -> None:
    with pytest.raises(NotFound) as caught:
        await bank_api.get_biller(biller_id)
    assert caught.value.code == "BILLER_NOT_FOUND"
    with pytest.raises(NotFound):
        await bank_api.validate_bill(biller_id, {})


async def test_validation_answers_normalized_values_or_field_codes(bank_api: BankAPI) -> None:
    ok = await bank_api.validate_bill("cz-bohemia-mobile", {"phone": "601 123 456"}, 20_000)
    assert (ok.valid, ok.values, ok.errors) == (
        True,
        {"phone": "+420601123456", "amount": 20_000},
        (),
    )
    bad = await bank_api.validate_bill(
        "cz-bohemia-mobile", {"phone": "212 345 678", "pin": "1"}, 500
    )
    assert (bad.valid, bad.values) == (False, {})
    assert bad.errors == (
        BillFieldError("amount", "AMOUNT_TOO_LOW"),
        BillFieldError("phone", "PHONE_NOT_MOBILE"),
        BillFieldError("pin", "FIELD_UNKNOWN"),
    )
    partial = await bank_api.validate_bill(POWER, POWER_FIELDS, partial=True)
    assert partial.values == {"customer_number": "3982597918"}
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.validate_bill(POWER, POWER_FIELDS, 12.5)  # type: ignore[arg-type]
    assert caught.value.code == "VALIDATION_ERROR"


# -- paying -----------------------------------------------------------------------------


async def test_a_quote_shows_the_fee_and_total_before_paying(bank_api: BankAPI) -> None:
    account = await czk_account(bank_api)
    quote = await bank_api.quote_bill(account.id, POWER, POWER_FIELDS, czk(120_000))
    assert (quote.amount_minor, quote.fee_minor, quote.total_minor) == (120_000, 500, 120_500)
    assert quote.fields == {"customer_number": "••••••7918"}
    assert quote.total == czk(120_500)
    assert (await bank_api.get_balance(account.id)).ledger_minor == 1_000_000


async def test_a_paid_bill_completes_with_a_receipt(bank_api: BankAPI) -> None:
    account = await czk_account(bank_api)
    payment = await bank_api.pay_bill(
        account.id, POWER, POWER_FIELDS, czk(120_000), idempotency_key="pay-1"
    )
    assert payment.status is BillPaymentStatus.COMPLETED
    assert payment.provider_reference == provider_reference(str(payment.id))
    assert (payment.amount_minor, payment.fee_minor, payment.total_minor) == (
        120_000,
        500,
        120_500,
    )
    assert await bank_api.get_bill_payment(payment.id) == payment
    assert (await bank_api.get_balance(account.id)).ledger_minor == 1_000_000 - 120_500
    receipt = await bank_api.get_bill_receipt(payment.id)
    assert (receipt.payment_id, receipt.provider_reference, receipt.total_minor) == (
        payment.id,
        payment.provider_reference,
        120_500,
    )
    assert receipt.fields == {"customer_number": "••••••7918"}
    debit = await bank_api.get_entry(payment.debit_entry_id)  # type: ignore[arg-type]
    assert debit.posting_for(account.id).amount_minor == -120_500
    again = await bank_api.pay_bill(
        account.id, POWER, POWER_FIELDS, czk(120_000), idempotency_key="pay-1"
    )
    assert again == payment
    with pytest.raises(IdempotencyConflict):
        await bank_api.pay_bill(
            account.id, POWER, POWER_FIELDS, czk(99_000), idempotency_key="pay-1"
        )


async def test_a_rejected_bill_returns_the_money_and_has_no_receipt(
    bank_api: BankAPI, gateway: SimulatorBillerGateway
) -> None:
    account = await czk_account(bank_api)
    gateway.script(Scripted(Behaviour.REJECT, reason="CONTRACT_TERMINATED"))
    payment = await bank_api.pay_bill(
        account.id, POWER, POWER_FIELDS, czk(120_000), idempotency_key=key()
    )
    assert (payment.status, payment.reason) == (
        BillPaymentStatus.REJECTED,
        "CONTRACT_TERMINATED",
    )
    assert (await bank_api.get_balance(account.id)).ledger_minor == 1_000_000
    with pytest.raises(Conflict) as caught:
        await bank_api.get_bill_receipt(payment.id)
    assert caught.value.code == "BILL_RECEIPT_NOT_READY"


async def test_an_unanswered_bill_is_unknown_until_reconciliation_settles_it(
    bank_api: BankAPI, bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank_api)
    gateway.script(Scripted(Behaviour.TIMEOUT, decided_after=timedelta(0)))
    payment = await bank_api.pay_bill(
        account.id, POWER, POWER_FIELDS, czk(120_000), idempotency_key=key()
    )
    assert payment.status is BillPaymentStatus.UNKNOWN
    assert payment.provider_reference is None
    clock.advance(seconds=60)
    await run_jobs(bank)
    settled = await bank_api.get_bill_payment(payment.id)
    assert settled.status is BillPaymentStatus.COMPLETED
    assert settled.finished_at == clock.now()


async def test_refused_payments_move_nothing(bank_api: BankAPI, bank: Bank) -> None:
    account = await czk_account(bank_api, funded=100_000)
    with pytest.raises(InsufficientFunds):
        await bank_api.pay_bill(
            account.id, POWER, POWER_FIELDS, czk(120_000), idempotency_key="poor"
        )
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.pay_bill(
            account.id,
            POWER,
            {"customer_number": "3982597910"},
            czk(5),
            idempotency_key=key(),
        )
    assert caught.value.code == "BILL_FIELDS_INVALID"
    assert bill_field_errors(caught.value) == [
        BillFieldError("amount", "AMOUNT_TOO_LOW"),
        BillFieldError("customer_number", "CHECK_DIGIT_INVALID"),
    ]
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.pay_bill(
            account.id,
            "sk-tatra-mobil",
            {"phone": "0905 123 456"},
            czk(1_000),
            idempotency_key=key(),
        )
    assert caught.value.code == "CURRENCY_MISMATCH"
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "CZK")
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.pay_bill(
            settlement, POWER, POWER_FIELDS, czk(20_000), idempotency_key=key()
        )
    assert caught.value.code == "ACCOUNT_NOT_PAYABLE"
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.pay_bill(
            account.id, POWER, {"customer_number": "1" * 500}, czk(20_000), idempotency_key=key()
        )
    assert caught.value.code == "VALIDATION_ERROR"
    assert (await bank_api.get_balance(account.id)).ledger_minor == 100_000
    # The declined payment left its key unused: topped up, the same key pays.
    await bank_api.deposit(account.id, czk(50_000), description="Top-up", idempotency_key=key())
    paid = await bank_api.pay_bill(
        account.id, POWER, POWER_FIELDS, czk(120_000), idempotency_key="poor"
    )
    assert paid.status is BillPaymentStatus.COMPLETED


async def test_the_history_lists_a_customers_payments_newest_first(
    bank_api: BankAPI, clock: MutableClock
) -> None:
    account = await czk_account(bank_api)
    first = await bank_api.pay_bill(
        account.id, POWER, POWER_FIELDS, czk(20_000), idempotency_key=key()
    )
    clock.advance(seconds=1)
    second = await bank_api.pay_bill(
        account.id, "cz-bohemia-mobile", {"phone": "777 123 456"}, czk(30_000),
        idempotency_key=key(),
    )  # fmt: skip
    history = await bank_api.list_bill_payments(await customer_of(account))
    assert history == [second, first]
    assert second.fields == {"phone": "+420 ••••••456"}
    assert await bank_api.list_bill_payments(await customer_of(account), limit=1) == [second]
    with pytest.raises(NotFound) as caught:
        await bank_api.list_bill_payments(uuid4())
    assert caught.value.code == "CUSTOMER_NOT_FOUND"
    with pytest.raises(InvalidRequest):
        await bank_api.list_bill_payments(await customer_of(account), limit=0)
    with pytest.raises(NotFound) as caught:
        await bank_api.get_bill_payment(uuid4())
    assert caught.value.code == "BILL_PAYMENT_NOT_FOUND"


# -- saved payees and repeating -----------------------------------------------------------


async def test_payees_are_saved_listed_renamed_paid_and_deleted(bank_api: BankAPI) -> None:
    account = await czk_account(bank_api)
    customer = await customer_of(account)
    payee = await bank_api.save_bill_payee(
        customer, "cz-vltava-tel", {"phone": "777 123 456"}, "Mum"
    )
    assert (payee.name, payee.biller_name, payee.fields) == (
        "Mum",
        "Vltava Tel",
        {"phone": "+420 ••••••456"},
    )
    with pytest.raises(Conflict) as caught:
        await bank_api.save_bill_payee(customer, "cz-vltava-tel", {"phone": "+420777123456"}, "M")
    assert caught.value.code == "BILL_PAYEE_EXISTS"
    assert await bank_api.list_bill_payees(customer) == [payee]
    renamed = await bank_api.rename_bill_payee(customer, payee.id, "Mum's phone")
    assert renamed.name == "Mum's phone"
    payment = await bank_api.pay_bill_payee(
        customer, payee.id, account.id, czk(30_000), idempotency_key=key()
    )
    assert (payment.status, payment.payee_id) == (BillPaymentStatus.COMPLETED, payee.id)
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.pay_bill_payee(
            customer, payee.id, account.id, czk(25_000), idempotency_key=key()
        )
    assert bill_field_errors(caught.value) == [BillFieldError("amount", "AMOUNT_NOT_ALLOWED")]
    assert await bank_api.delete_bill_payee(customer, payee.id) == renamed
    assert await bank_api.list_bill_payees(customer) == []
    with pytest.raises(NotFound) as caught:
        await bank_api.rename_bill_payee(customer, payee.id, "Gone")
    assert caught.value.code == "BILL_PAYEE_NOT_FOUND"
    with pytest.raises(InvalidRequest):
        await bank_api.save_bill_payee(customer, "cz-vltava-tel", {"phone": "777 123 456"}, " ")


async def test_the_last_payment_is_repeated_under_a_fresh_key(
    bank_api: BankAPI, clock: MutableClock
) -> None:
    account = await czk_account(bank_api)
    customer = await customer_of(account)
    with pytest.raises(NotFound) as caught:
        await bank_api.repeat_bill_payment(customer, idempotency_key=key())
    assert caught.value.code == "NO_PREVIOUS_BILL_PAYMENT"
    flat = await bank_api.save_bill_payee(customer, POWER, POWER_FIELDS, "Flat")
    to_flat = await bank_api.pay_bill_payee(
        customer, flat.id, account.id, czk(150_000), idempotency_key=key()
    )
    clock.advance(seconds=1)
    await bank_api.pay_bill(
        account.id, "cz-bohemia-mobile", {"phone": "777 123 456"}, czk(30_000),
        idempotency_key=key(),
    )  # fmt: skip
    clock.advance(seconds=1)
    last = await bank_api.repeat_bill_payment(customer, idempotency_key="again-1")
    assert (last.biller_id, last.amount_minor) == ("cz-bohemia-mobile", 30_000)
    assert await bank_api.repeat_bill_payment(customer, idempotency_key="again-1") == last
    again = await bank_api.repeat_bill_payment(customer, idempotency_key=key(), payee_id=flat.id)
    assert (again.biller_id, again.amount_minor, again.fields) == (
        POWER,
        150_000,
        to_flat.fields,
    )
    assert (await bank_api.get_balance(account.id)).ledger_minor == 1_000_000 - 2 * (
        150_500 + 30_000
    )
