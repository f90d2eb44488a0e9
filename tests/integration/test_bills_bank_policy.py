"""Bill payments under the bank's own policy: its fee schedule, its switches and the
customer's outgoing limits (the payments area), on both backends."""

from __future__ import annotations

import asyncio

import pytest

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.bills.model import PaymentStatus
from core.bills.orders import BillOrder
from core.crypto import Keyring
from core.customers.model import KycLevel
from core.payments.errors import LimitExceeded, OperationDisabled
from core.payments.limits import LimitRule
from core.payments.model import SwitchScope
from core.persistence.database import Database
from integrations.billers.simulator import (
    Behaviour,
    Scripted,
    SimulatorBillerGateway,
    SimulatorSettings,
)
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.integration.helpers import funded_account

QUIET = SimulatorSettings(reject_rate=0, timeout_rate=0, min_delay=0, max_delay=0, hang=0)
POWER = "cz-praha-power"  # CZK, the biller's own fee 5.00
ME = Actor(ActorKind.API_CLIENT, "bills-policy-tests")


@pytest.fixture
def gateway(clock: MutableClock) -> SimulatorBillerGateway:
    return SimulatorBillerGateway(QUIET, clock.now)


@pytest.fixture
async def bank(
    database: Database, keyring: Keyring, clock: MutableClock, gateway: SimulatorBillerGateway
) -> Bank:
    """The bank as Teller builds it: bills follow the payments area's policy."""
    built = Bank.build(database, keyring, CURRENCIES, clock=clock, biller_gateway=gateway)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    # Unverified customers may pay 2,000.00 CZK a day in these tests.
    await built.payments.limits.set_rule(
        LimitRule(KycLevel.NONE, "CZK", 200_000, 1_000_000), SYSTEM
    )
    return built


def power(account_id: object, amount: int) -> BillOrder:
    return BillOrder(account_id, POWER, {"customer_number": "3982 5979 18"}, amount, "CZK")  # type: ignore[arg-type]


async def test_a_bill_counts_against_the_daily_limit(bank: Bank) -> None:
    account = await funded_account(bank, 1_000_000, "CZK")
    await bank.bills.pay(power(account.id, 150_000), ME, "b1")
    with pytest.raises(LimitExceeded) as refused:
        await bank.bills.pay(power(account.id, 60_000), ME, "b2")
    assert refused.value.data["period"] == "daily"
    remaining = await bank.payments.limits.status(account.customer_id, "CZK")
    assert remaining.daily_used == 150_500  # the amount and the biller's fee


async def test_a_refused_bill_gives_its_allowance_back(
    bank: Bank, gateway: SimulatorBillerGateway
) -> None:
    account = await funded_account(bank, 1_000_000, "CZK")
    gateway.script(Scripted(Behaviour.REJECT))
    payment = await bank.bills.pay(power(account.id, 150_000), ME, "b1")
    assert payment.status is PaymentStatus.REJECTED
    status = await bank.payments.limits.status(account.customer_id, "CZK")
    assert status.daily_used == 0
    await bank.bills.pay(power(account.id, 150_000), ME, "b2")


async def test_bill_payments_switched_off_are_refused_before_any_money_moves(
    bank: Bank,
) -> None:
    account = await funded_account(bank, 1_000_000, "CZK")
    await bank.payments.switches.disable(SwitchScope.PAYMENTS, "CZK", "biller outage", SYSTEM)
    with pytest.raises(OperationDisabled):
        await bank.bills.pay(power(account.id, 10_000), ME, "b1")
    assert (await bank.ledger.balance(account.id)).ledger == 1_000_000


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_concurrent_bills_never_pass_the_limit_together(bank: Bank) -> None:
    account = await funded_account(bank, 1_000_000, "CZK")
    results = await asyncio.gather(
        *(bank.bills.pay(power(account.id, 90_000), ME, f"c{n}") for n in range(8)),
        return_exceptions=True,
    )
    paid = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, LimitExceeded)]
    assert (len(paid), len(refused)) == (2, 6)  # 2 × 905.00 fit in 2,000.00; a third not
