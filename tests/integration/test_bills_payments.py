"""Paying bills on both backends: the biller accepts, rejects or does not answer; money
follows the answer once; a timed-out payment is settled by reconciliation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from core.accounts.service import AccountView
from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.bills.config import BillsConfig
from core.bills.errors import (
    AccountNotPayable,
    BillFieldsInvalid,
    BillsUnavailable,
    ReceiptNotReady,
)
from core.bills.model import NOT_RECEIVED, PaymentStatus
from core.bills.orders import BillOrder
from core.bills.policy import BillCharge, CatalogueFees
from core.bills.tables import bill_payments
from core.crypto import Keyring
from core.customers.service import CustomerNotFound
from core.errors import CoreError
from core.ledger.commands import Deposit
from core.ledger.errors import IdempotencyConflict, InsufficientFunds
from core.ledger.model import BankPurpose
from core.money import CurrencyMismatch
from core.persistence.database import Database
from core.persistence.tables import audit_log, events
from core.ports import BillAnswer, BillOutcome
from integrations.billers.simulator import (
    Behaviour,
    Scripted,
    SimulatorBillerGateway,
    SimulatorSettings,
    provider_reference,
)
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock, run_jobs
from tests.integration.helpers import balance_of, funded_account

QUIET = SimulatorSettings(reject_rate=0, timeout_rate=0, min_delay=0, max_delay=0, hang=0)
POWER = "cz-praha-power"  # CZK, fee 5.00, customer number with a mod-11 check digit
POWER_FIELDS = {"customer_number": "3982 5979 18"}
ME = Actor(ActorKind.API_CLIENT, "bills-tests")


@pytest.fixture
def gateway(clock: MutableClock) -> SimulatorBillerGateway:
    return SimulatorBillerGateway(QUIET, clock.now)


@pytest.fixture
async def bank(
    database: Database, keyring: Keyring, clock: MutableClock, gateway: SimulatorBillerGateway
) -> Bank:
    """The test bank with the simulator as its biller gateway, and the catalogue's fees
    as its only policy: these tests are about bills, not the bank's limits."""
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


def power(account: AccountView, amount: int = 120_000, **fields: str) -> BillOrder:
    return BillOrder(account.id, POWER, fields or POWER_FIELDS, amount, "CZK")


async def czk_account(bank: Bank, amount: int = 1_000_000) -> AccountView:
    return await funded_account(bank, amount, "CZK")


async def bank_balance(bank: Bank, purpose: BankPurpose) -> int:
    return await balance_of(bank, await bank.ledger.bank_account(purpose, "CZK"))


async def reconcile_due(bank: Bank) -> None:
    """What the job runner does: the periodic sweeps, then every deferred job due."""
    for periodic in bank.jobs().periodic:
        await periodic.handler(bank.clock.now())
    await run_jobs(bank)


async def outbox(bank: Bank, prefix: str = "bill.") -> list[tuple[str, Mapping[str, Any]]]:
    async with bank.db.read() as conn:
        rows = (await conn.execute(select(events).order_by(events.c.id))).all()
    return [(r.type, r.payload) for r in rows if r.type.startswith(prefix)]


async def assert_balanced(bank: Bank) -> None:
    report = await bank.verify_ledger()
    assert report.ok, report.problems
    assert (await bank.verify_audit()).ok


# -- the biller answers -----------------------------------------------------------------


async def test_an_accepted_payment_takes_amount_and_fee_in_one_entry_then_settles(
    bank: Bank,
) -> None:
    account = await czk_account(bank)
    payment = await bank.bills.pay(power(account), ME, "k1")
    assert payment.status is PaymentStatus.COMPLETED
    assert payment.provider_reference == provider_reference(str(payment.id))
    assert (payment.amount, payment.fee, payment.total) == (120_000, 500, 120_500)
    assert payment.fields == {"customer_number": "••••••7918"}
    assert payment.debit_entry_id is not None
    assert payment.final_entry_id is not None
    debit = await bank.ledger.entry(payment.debit_entry_id)
    suspense = await bank.ledger.bank_account(BankPurpose.SUSPENSE, "CZK")
    fees = await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "CZK")
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "CZK")
    assert [(p.account_id, p.amount) for p in debit.postings] == [
        (account.id, -120_500),
        (suspense, 120_000),
        (fees, 500),
    ]
    settle = await bank.ledger.entry(payment.final_entry_id)
    assert [(p.account_id, p.amount) for p in settle.postings] == [
        (suspense, -120_000),
        (settlement, 120_000),
    ]
    assert await balance_of(bank, account.id) == 1_000_000 - 120_500
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 0
    assert await bank_balance(bank, BankPurpose.FEE_INCOME) == 500
    await assert_balanced(bank)


async def test_a_completed_payment_has_a_receipt_with_the_providers_reference(
    bank: Bank, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    payment = await bank.bills.pay(power(account), ME, "k1")
    receipt = await bank.bills.receipt(payment.id)
    assert receipt.payment_id == payment.id
    assert receipt.provider_reference == payment.provider_reference
    assert (receipt.biller_id, receipt.biller_name, receipt.category) == (
        POWER,
        "Praha Power",
        "utilities",
    )
    assert receipt.fields == {"customer_number": "••••••7918"}
    assert (receipt.amount, receipt.fee, receipt.total, receipt.currency) == (
        120_000,
        500,
        120_500,
        "CZK",
    )
    assert receipt.paid_at == clock.now()


async def test_a_rejected_payment_returns_amount_and_fee(
    bank: Bank, gateway: SimulatorBillerGateway
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.REJECT, reason="CONTRACT_TERMINATED"))
    payment = await bank.bills.pay(power(account), ME, "k1")
    assert payment.status is PaymentStatus.REJECTED
    assert payment.reason == "CONTRACT_TERMINATED"
    assert payment.provider_reference is None
    assert await balance_of(bank, account.id) == 1_000_000
    assert await bank_balance(bank, BankPurpose.FEE_INCOME) == 0
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 0
    assert payment.final_entry_id is not None
    refund = await bank.ledger.entry(payment.final_entry_id)
    assert refund.reverses_entry_id == payment.debit_entry_id
    with pytest.raises(ReceiptNotReady) as caught:
        await bank.bills.receipt(payment.id)
    assert caught.value.data["status"] == "rejected"
    assert [t for t, _ in await outbox(bank)] == ["bill.debited", "bill.rejected"]
    await assert_balanced(bank)


async def test_the_simulator_rejects_a_subscriber_it_does_not_know(bank: Bank) -> None:
    account = await czk_account(bank)
    order = BillOrder(account.id, "cz-airlink", {"customer_number": "10004000"}, 20_000, "CZK")
    assert (await bank.bills.pay(order, ME, "k1")).reason == "SUBSCRIBER_NOT_FOUND"


# -- no answer: reconciliation ------------------------------------------------------------


async def test_a_timeout_leaves_the_payment_unknown_until_reconciliation_settles_it(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.TIMEOUT, then=Behaviour.ACCEPT))
    payment = await bank.bills.pay(power(account), ME, "k1")
    assert payment.status is PaymentStatus.UNKNOWN
    assert await balance_of(bank, account.id) == 1_000_000 - 120_500  # debited meanwhile
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 120_000
    await run_jobs(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.UNKNOWN  # not due
    clock.advance(seconds=60)
    await run_jobs(bank)
    settled = await bank.bills.payment(payment.id)
    assert settled.status is PaymentStatus.COMPLETED
    assert settled.provider_reference == provider_reference(str(payment.id))
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 0
    assert await bank_balance(bank, BankPurpose.SETTLEMENT) == 120_000 - 1_000_000
    assert [t for t, _ in await outbox(bank)] == ["bill.debited", "bill.settled", "bill.completed"]
    await assert_balanced(bank)


async def test_a_timeout_the_biller_later_rejects_is_refunded(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.TIMEOUT, then=Behaviour.REJECT, reason="ACCOUNT_CLOSED"))
    payment = await bank.bills.pay(power(account), ME, "k1")
    clock.advance(seconds=60)
    await run_jobs(bank)
    refunded = await bank.bills.payment(payment.id)
    assert (refunded.status, refunded.reason) == (PaymentStatus.REJECTED, "ACCOUNT_CLOSED")
    assert await balance_of(bank, account.id) == 1_000_000
    await assert_balanced(bank)


async def test_a_biller_still_deciding_is_asked_again_less_often(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.PENDING, decided_after=timedelta(minutes=2)))
    payment = await bank.bills.pay(power(account), ME, "k1")
    assert payment.status is PaymentStatus.UNKNOWN
    clock.advance(seconds=60)
    await run_jobs(bank)  # asked once: still pending; next question in two minutes
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.UNKNOWN
    clock.advance(seconds=119)
    await run_jobs(bank)
    assert gateway.calls.status == [str(payment.id)]
    clock.advance(seconds=1)
    await run_jobs(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.COMPLETED
    assert len(gateway.calls.status) == 2


async def test_a_payment_the_biller_never_received_is_refunded(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.LOST))
    payment = await bank.bills.pay(power(account), ME, "k1")
    assert payment.status is PaymentStatus.UNKNOWN
    clock.advance(seconds=60)
    await run_jobs(bank)
    refunded = await bank.bills.payment(payment.id)
    assert (refunded.status, refunded.reason) == (PaymentStatus.REJECTED, NOT_RECEIVED)
    assert await balance_of(bank, account.id) == 1_000_000
    await assert_balanced(bank)


async def test_while_the_gateway_is_down_reconciliation_keeps_asking(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.TIMEOUT, decided_after=timedelta(0)))
    payment = await bank.bills.pay(power(account), ME, "k1")
    gateway.down = True
    for _ in range(3):
        clock.advance(minutes=10)
        await reconcile_due(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.UNKNOWN
    gateway.down = False
    clock.advance(hours=1)
    await reconcile_due(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.COMPLETED
    await assert_balanced(bank)


async def test_the_sweep_finds_an_unknown_payment_whose_job_was_lost(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.TIMEOUT, decided_after=timedelta(0)))
    payment = await bank.bills.pay(power(account), ME, "k1")
    bank.queue.queued.clear()  # type: ignore[attr-defined]  # a worker crashed with it
    clock.advance(seconds=60)
    await run_jobs(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.UNKNOWN
    await reconcile_due(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.COMPLETED


async def test_settlement_happens_once_however_often_it_is_attempted(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.TIMEOUT, decided_after=timedelta(0)))
    payment = await bank.bills.pay(power(account), ME, "k1")
    clock.advance(seconds=60)
    settlement = bank.bills.settlement
    for _ in range(3):
        await settlement.reconcile(payment.id)
        await settlement.finish(payment.id)
        await reconcile_due(bank)
    # A late, contradicting answer cannot undo what was decided and settled.
    late = BillAnswer(BillOutcome.REJECTED, reason="LATE")
    assert (await settlement.apply(payment.id, late)).status is PaymentStatus.COMPLETED
    assert [t for t, _ in await outbox(bank)].count("bill.completed") == 1
    assert [t for t, _ in await outbox(bank)].count("bill.settled") == 1
    assert await balance_of(bank, account.id) == 1_000_000 - 120_500
    await assert_balanced(bank)


async def test_a_refund_waits_while_the_account_is_frozen(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await czk_account(bank)
    gateway.script(Scripted(Behaviour.TIMEOUT, then=Behaviour.REJECT, decided_after=timedelta(0)))
    payment = await bank.bills.pay(power(account), ME, "k1")
    await bank.accounts.freeze(account.id, SYSTEM, "fraud check")
    clock.advance(seconds=60)
    await reconcile_due(bank)
    waiting = await bank.bills.payment(payment.id)
    assert waiting.status is PaymentStatus.UNKNOWN  # decided, not yet refunded
    await bank.accounts.unfreeze(account.id, SYSTEM, "cleared")
    clock.advance(minutes=5)
    await reconcile_due(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.REJECTED
    assert await balance_of(bank, account.id) == 1_000_000
    await assert_balanced(bank)


# -- the caller's key ---------------------------------------------------------------------


async def test_the_same_key_returns_the_same_payment_and_pays_once(
    bank: Bank, gateway: SimulatorBillerGateway
) -> None:
    account = await czk_account(bank)
    first = await bank.bills.pay(power(account), ME, "k1")
    again = await bank.bills.pay(power(account, customer_number="3982597918"), ME, "k1")
    assert again == first
    assert gateway.calls.pay == [str(first.id)]
    assert await balance_of(bank, account.id) == 1_000_000 - 120_500


async def test_the_same_key_for_another_payment_is_a_conflict(bank: Bank) -> None:
    account = await czk_account(bank)
    await bank.bills.pay(power(account), ME, "k1")
    with pytest.raises(IdempotencyConflict):
        await bank.bills.pay(power(account, amount=130_000), ME, "k1")
    assert await balance_of(bank, account.id) == 1_000_000 - 120_500


async def test_a_payment_without_funds_is_declined_and_its_key_can_be_used_again(
    bank: Bank,
) -> None:
    account = await czk_account(bank, 100_000)
    with pytest.raises(InsufficientFunds):
        await bank.bills.pay(power(account), ME, "k1")
    [declined] = await bank.bills.history(account.customer_id)  # type: ignore[arg-type]
    assert (declined.status, declined.reason) == (PaymentStatus.DECLINED, "INSUFFICIENT_FUNDS")
    assert await balance_of(bank, account.id) == 100_000
    await bank.ledger.deposit(Deposit("top-up", account.id, 50_000, "CZK"), SYSTEM)
    paid = await bank.bills.pay(power(account), ME, "k1")
    assert paid.status is PaymentStatus.COMPLETED
    assert paid.id != declined.id
    await assert_balanced(bank)


async def test_bad_details_change_nothing_and_say_which_field(bank: Bank) -> None:
    account = await czk_account(bank)
    with pytest.raises(BillFieldsInvalid) as caught:
        await bank.bills.pay(power(account, amount=50, customer_number="3982597910"), ME, "k1")
    assert caught.value.data["errors"] == (
        "amount:AMOUNT_TOO_LOW;customer_number:CHECK_DIGIT_INVALID"
    )
    assert "3982597910" not in str(caught.value.data)
    assert await bank.bills.history(account.customer_id) == []  # type: ignore[arg-type]
    async with bank.db.read() as conn:
        outcomes = (await conn.execute(select(audit_log.c.outcome))).scalars().all()
    assert "rejected:BILL_FIELDS_INVALID" in outcomes


async def test_a_payment_in_another_currency_or_from_a_bank_account_is_refused(
    bank: Bank,
) -> None:
    eur = await funded_account(bank, 100_000, "EUR")
    with pytest.raises(CurrencyMismatch):
        await bank.bills.pay(BillOrder(eur.id, POWER, POWER_FIELDS, 20_000, "EUR"), ME, "k1")
    with pytest.raises(CurrencyMismatch):
        await bank.bills.pay(BillOrder(eur.id, POWER, POWER_FIELDS, 20_000, "CZK"), ME, "k2")
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "CZK")
    order = BillOrder(settlement, POWER, POWER_FIELDS, 20_000, "CZK")
    with pytest.raises(AccountNotPayable):
        await bank.bills.pay(order, ME, "k3")


async def test_without_a_gateway_nothing_is_paid(
    database: Database, keyring: Keyring, clock: MutableClock
) -> None:
    bare = Bank.build(database, keyring, CURRENCIES, clock=clock)
    await bare.accounts.ensure_bank_accounts(SYSTEM)
    account = await czk_account(bare)
    with pytest.raises(BillsUnavailable):
        await bare.bills.pay(power(account), ME, "k1")
    assert await balance_of(bare, account.id) == 1_000_000


# -- a request that died halfway ----------------------------------------------------------


async def test_a_payment_whose_request_died_before_the_debit_is_carried_on_later(
    bank: Bank, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await czk_account(bank)

    async def crash(payment_id: UUID) -> None:
        raise ConnectionResetError("the process died")

    with monkeypatch.context() as patch:
        patch.setattr(bank.bills.settlement, "carry_out", crash)
        with pytest.raises(ConnectionResetError):
            await bank.bills.pay(power(account), ME, "k1")
    retried = await bank.bills.pay(power(account), ME, "k1")
    assert retried.status is PaymentStatus.CREATED  # maybe still running elsewhere
    assert await balance_of(bank, account.id) == 1_000_000
    clock.advance(seconds=60)
    await reconcile_due(bank)
    assert (await bank.bills.payment(retried.id)).status is PaymentStatus.COMPLETED
    assert await balance_of(bank, account.id) == 1_000_000 - 120_500
    await assert_balanced(bank)


async def test_a_payment_whose_request_died_after_the_debit_is_settled_by_reconciliation(
    bank: Bank,
    gateway: SimulatorBillerGateway,
    clock: MutableClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = await czk_account(bank)

    async def crash(payment_id: UUID, answer: object) -> None:
        raise ConnectionResetError("the process died with the biller's answer")

    with monkeypatch.context() as patch:
        patch.setattr(bank.bills.settlement, "apply", crash)
        with pytest.raises(ConnectionResetError):
            await bank.bills.pay(power(account), ME, "k1")
    [payment] = await bank.bills.history(account.customer_id)  # type: ignore[arg-type]
    assert payment.status is PaymentStatus.SUBMITTED
    clock.advance(seconds=60)
    await reconcile_due(bank)
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.COMPLETED
    assert gateway.calls.pay == [str(payment.id)]  # asked about, never sent twice
    await assert_balanced(bank)


# -- quotes, policy, history, privacy --------------------------------------------------------


class TieredPolicy(CatalogueFees):
    """A stand-in for the bank's fee schedule and limits: 1 % above 1,000 CZK, capped."""

    async def fee(self, charge: BillCharge) -> int:
        return charge.biller_fee + (charge.amount // 100 if charge.amount > 100_000 else 0)

    async def check(self, charge: BillCharge, fee: int) -> None:
        if charge.amount + fee > 1_000_000:
            raise LimitReached(limit=1_000_000)


class LimitReached(CoreError):
    code = "LIMIT_REACHED"
    http_status = 422


async def test_the_banks_policy_sets_the_fee_and_may_refuse(
    database: Database, keyring: Keyring, clock: MutableClock, gateway: SimulatorBillerGateway
) -> None:
    bank = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        biller_gateway=gateway,
        bill_policy=TieredPolicy(),
        bills_config=BillsConfig(gateway_timeout=timedelta(seconds=1)),
    )
    await bank.accounts.ensure_bank_accounts(SYSTEM)
    account = await czk_account(bank, 5_000_000)
    quote = await bank.bills.quote(power(account))
    assert (quote.amount, quote.fee, quote.total) == (120_000, 1_700, 121_700)
    payment = await bank.bills.pay(power(account), ME, "k1")
    assert payment.fee == 1_700
    assert await bank_balance(bank, BankPurpose.FEE_INCOME) == 1_700
    with pytest.raises(LimitReached):
        await bank.bills.pay(power(account, amount=1_000_000), ME, "k2")
    # The replay of a payment already made is not judged again (it would count twice).
    assert (await bank.bills.pay(power(account), ME, "k1")).id == payment.id


async def test_history_is_the_customers_newest_first(bank: Bank, clock: MutableClock) -> None:
    account = await czk_account(bank)
    ids = []
    for n in range(3):
        ids.append((await bank.bills.pay(power(account, amount=20_000 + n), ME, f"k{n}")).id)
        clock.advance(seconds=1)
    customer = account.customer_id
    assert customer is not None
    assert [p.id for p in await bank.bills.history(customer)] == ids[::-1]
    assert [p.id for p in await bank.bills.history(customer, limit=1)] == ids[-1:]
    with pytest.raises(CustomerNotFound):
        await bank.bills.history(uuid4())


async def test_field_values_are_stored_encrypted_and_shown_masked(bank: Bank) -> None:
    account = await czk_account(bank)
    order = BillOrder(account.id, "cz-bohemia-mobile", {"phone": "601 123 456"}, 20_000, "CZK")
    payment = await bank.bills.pay(order, ME, "k1")
    assert payment.fields == {"phone": "+420 ••••••456"}
    async with bank.db.read() as conn:
        row = (
            await conn.execute(select(bill_payments).where(bill_payments.c.id == payment.id))
        ).one()
    assert "601123456" not in row.fields_enc
    assert row.fields_masked == {"phone": "+420 ••••••456"}
    [(_, debited)] = [e for e in await outbox(bank) if e[0] == "bill.debited"]
    assert "601123456" not in str(debited)
    async with bank.db.read() as conn:
        details = (await conn.execute(select(audit_log.c.details))).scalars().all()
    assert "601123456" not in str(details)


async def test_the_completed_event_tells_flows_what_to_say(bank: Bank) -> None:
    account = await czk_account(bank)
    payment = await bank.bills.pay(power(account), ME, "k1")
    [(_, payload)] = [e for e in await outbox(bank) if e[0] == "bill.completed"]
    assert payload == {
        "payment_id": str(payment.id),
        "customer_id": str(account.customer_id),
        "account_id": str(account.id),
        "biller_id": POWER,
        "amount": 120_000,
        "fee": 500,
        "currency": "CZK",
        "provider_reference": payment.provider_reference,
    }


async def test_every_payment_ends_settled_once_whatever_the_biller_does(
    database: Database, keyring: Keyring, clock: MutableClock
) -> None:
    """A seeded storm of answers: accepted, rejected, pending, silent, lost, repeated."""
    storm = SimulatorSettings(
        reject_rate=0.2,
        pending_rate=0.1,
        timeout_rate=0.2,
        lost_rate=0.1,
        min_delay=0,
        max_delay=0,
        hang=0,
        decided_after=timedelta(minutes=3),
        seed=11,
    )
    gateway = SimulatorBillerGateway(storm, clock.now)
    bank = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        biller_gateway=gateway,
        bill_policy=CatalogueFees(),
    )
    await bank.accounts.ensure_bank_accounts(SYSTEM)
    account = await czk_account(bank, 10_000_000)
    ids = set()
    for n in range(40):
        order = power(account, amount=20_000 + 1_000 * n)
        ids.add((await bank.bills.pay(order, ME, f"storm-{n}")).id)
        if n % 5 == 0:  # a retry of the same request
            ids.add((await bank.bills.pay(order, ME, f"storm-{n}")).id)
        clock.advance(seconds=7)
    for _ in range(40):
        clock.advance(minutes=2)
        await reconcile_due(bank)
    payments = [await bank.bills.payment(payment_id) for payment_id in ids]
    assert len(payments) == 40
    assert {p.status for p in payments} <= {PaymentStatus.COMPLETED, PaymentStatus.REJECTED}
    completed = [p for p in payments if p.status is PaymentStatus.COMPLETED]
    assert 0 < len(completed) < 40
    # Each kind of silence happened, and reconciliation settled it later.
    assert any(p.reason == NOT_RECEIVED for p in payments)
    assert any(p.finished_at and p.finished_at > p.created_at for p in completed)
    assert await balance_of(bank, account.id) == 10_000_000 - sum(p.total for p in completed)
    assert await bank_balance(bank, BankPurpose.SUSPENSE) == 0
    assert await bank_balance(bank, BankPurpose.FEE_INCOME) == 500 * len(completed)
    kinds = [t for t, _ in await outbox(bank)]
    assert kinds.count("bill.completed") == len(completed)
    assert kinds.count("bill.rejected") == 40 - len(completed)
    assert len(gateway.calls.pay) == 40  # a repeated request never re-sends a payment
    await assert_balanced(bank)
