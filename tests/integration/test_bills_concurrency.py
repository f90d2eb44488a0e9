"""Bill payments under concurrency, on real PostgreSQL: double submits and racing
reconciliations each have exactly one effect."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.actors import SYSTEM
from core.bank import Bank
from core.bills.model import PaymentStatus
from core.bills.orders import BillOrder
from core.bills.policy import CatalogueFees
from core.crypto import Keyring
from core.errors import CoreError
from core.ledger.errors import InsufficientFunds
from core.ledger.model import BankPurpose
from core.persistence.database import Database
from core.persistence.tables import entries, events
from integrations.billers.simulator import (
    Behaviour,
    Scripted,
    SimulatorBillerGateway,
    SimulatorSettings,
)
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.integration.helpers import balance_of, funded_account
from tests.integration.test_bills_payments import ME, POWER, POWER_FIELDS

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

# A little delay, so that the racing requests really overlap the gateway call.
SETTINGS = SimulatorSettings(
    reject_rate=0, timeout_rate=0, min_delay=0.01, max_delay=0.03, hang=0, seed=7
)


@pytest.fixture
def gateway(clock: MutableClock) -> SimulatorBillerGateway:
    return SimulatorBillerGateway(SETTINGS, clock.now)


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


async def count(bank: Bank, table: object, *where: object) -> int:
    async with bank.db.read() as conn:
        query = select(func.count()).select_from(table)  # type: ignore[arg-type]
        return int((await conn.execute(query.where(*where))).scalar_one())  # type: ignore[arg-type]


async def test_20_concurrent_submissions_with_one_key_pay_once(
    bank: Bank, gateway: SimulatorBillerGateway
) -> None:
    account = await funded_account(bank, 1_000_000, "CZK")
    order = BillOrder(account.id, POWER, POWER_FIELDS, 120_000, "CZK")
    entries_before = await count(bank, entries)
    results = await asyncio.gather(*(bank.bills.pay(order, ME, "once") for _ in range(20)))
    assert len({p.id for p in results}) == 1
    payment = await bank.bills.payment(results[0].id)
    assert payment.status is PaymentStatus.COMPLETED
    assert gateway.calls.pay == [str(payment.id)]
    assert await balance_of(bank, account.id) == 1_000_000 - 120_500
    assert await count(bank, entries) == entries_before + 2  # the debit and the settlement
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def test_racing_reconciliations_settle_a_payment_once(
    bank: Bank, gateway: SimulatorBillerGateway, clock: MutableClock
) -> None:
    account = await funded_account(bank, 1_000_000, "CZK")
    gateway.script(Scripted(Behaviour.TIMEOUT, decided_after=timedelta(0)))
    order = BillOrder(account.id, POWER, POWER_FIELDS, 120_000, "CZK")
    payment = await bank.bills.pay(order, ME, "k1")
    assert payment.status is PaymentStatus.UNKNOWN
    clock.advance(seconds=60)
    settlement = bank.bills.settlement
    await asyncio.gather(*(settlement.reconcile(payment.id) for _ in range(10)))
    assert (await bank.bills.payment(payment.id)).status is PaymentStatus.COMPLETED
    assert await count(bank, events, events.c.type == "bill.completed") == 1
    assert await count(bank, events, events.c.type == "bill.settled") == 1
    settled = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "CZK")
    assert await balance_of(bank, settled) == -1_000_000 + 120_000
    assert (await bank.verify_ledger()).ok


async def test_concurrent_payments_never_overdraw_the_account(bank: Bank) -> None:
    account = await funded_account(bank, 500_000, "CZK")
    order = BillOrder(account.id, POWER, POWER_FIELDS, 120_000, "CZK")

    async def pay(n: int) -> bool:
        try:
            await bank.bills.pay(order, ME, f"drain-{n}")
            return True
        except InsufficientFunds:
            return False

    results = await asyncio.gather(*(pay(n) for n in range(10)))
    assert sum(results) == 4  # 4 × 1,205.00 CZK fit in 5,000.00
    assert await balance_of(bank, account.id) == 500_000 - 4 * 120_500
    assert account.customer_id is not None
    history = await bank.bills.history(account.customer_id, limit=20)
    assert [p.status for p in history].count(PaymentStatus.DECLINED) == 6
    report = await bank.verify_ledger()
    assert report.ok, report.problems


async def test_a_double_submit_racing_a_decline_leaves_no_money_moved(bank: Bank) -> None:
    account = await funded_account(bank, 1_000, "CZK")
    order = BillOrder(account.id, POWER, POWER_FIELDS, 120_000, "CZK")
    results = await asyncio.gather(
        *(bank.bills.pay(order, ME, "poor") for _ in range(5)), return_exceptions=True
    )
    assert any(isinstance(r, InsufficientFunds) for r in results)
    for result in results:
        assert isinstance(result, CoreError) or result.status is not PaymentStatus.COMPLETED
    assert await balance_of(bank, account.id) == 1_000
    assert (await bank.verify_ledger()).ok
