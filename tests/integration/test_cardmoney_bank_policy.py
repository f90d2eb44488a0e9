"""Card payouts and top-ups under the bank's own policy (the payments area): its fees, its
switches, the customer's outgoing limits and the risk review; on both backends."""

from __future__ import annotations

from uuid import uuid4

import pytest

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.cardmoney.model import PayoutStatus
from core.cardmoney.payouts import PayoutRequest
from core.crypto import Keyring
from core.customers.model import KycLevel
from core.payments.errors import LimitExceeded, OperationDisabled
from core.payments.limits import LimitRule
from core.payments.model import SwitchScope
from core.persistence.database import Database
from integrations.cardnetwork.simulator import CardNetworkSimulator
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock, run_jobs
from tests.integration.helpers import funded_account
from tests.integration.moneyio_support import CONFIG, make_network

CLIENT = Actor(ActorKind.API_CLIENT, "flows")
CARD = "4242 4242 4242 4242"


@pytest.fixture
def network(clock: MutableClock) -> CardNetworkSimulator:
    return make_network(clock)


@pytest.fixture
async def bank(
    database: Database, keyring: Keyring, clock: MutableClock, network: CardNetworkSimulator
) -> Bank:
    """The bank as Teller builds it: card money follows the payments area's policy."""
    built = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        card_network=network,
        cardmoney_config=CONFIG,
    )
    await built.accounts.ensure_bank_accounts(SYSTEM)
    await built.payments.limits.set_rule(LimitRule(KycLevel.NONE, "EUR", 300_00, 1_000_00), SYSTEM)
    return built


def payout(account_id: object, amount: int, card: str = CARD) -> PayoutRequest:
    return PayoutRequest(account_id, card, amount, "EUR")  # type: ignore[arg-type]


async def test_a_payout_pays_the_banks_fee_in_its_one_debit(bank: Bank) -> None:
    account = await funded_account(bank, 500_00)
    quote = await bank.cardmoney.payouts.quote(account.id, 100_00, "EUR")
    assert quote.fee == 1_00  # 1 % with a minimum of 1.00 EUR
    await bank.cardmoney.payouts.send(payout(account.id, 100_00), uuid4().hex, CLIENT)
    assert (await bank.ledger.balance(account.id)).ledger == 500_00 - 101_00


async def test_payouts_count_against_the_daily_limit_and_a_failed_one_gives_it_back(
    bank: Bank,
) -> None:
    account = await funded_account(bank, 1_000_00)
    await bank.cardmoney.payouts.send(payout(account.id, 200_00), "p1", CLIENT)
    with pytest.raises(LimitExceeded):
        await bank.cardmoney.payouts.send(payout(account.id, 100_00), "p2", CLIENT)
    refused = await bank.cardmoney.payouts.send(
        payout(account.id, 90_00, card="4000 0000 0000 0002"), "p3", CLIENT
    )
    await run_jobs(bank)
    assert (await bank.cardmoney.payouts.get(refused.id)).status is PayoutStatus.FAILED
    status = await bank.payments.limits.status(account.customer_id, "EUR")  # type: ignore[arg-type]
    assert status.daily_used == 202_00  # the first payout and its fee; not the failed one


async def test_card_money_switched_off_is_refused_before_anything_moves(bank: Bank) -> None:
    account = await funded_account(bank, 500_00)
    await bank.payments.switches.disable(SwitchScope.TRANSFERS, "EUR", "network outage", SYSTEM)
    with pytest.raises(OperationDisabled):
        await bank.cardmoney.payouts.send(payout(account.id, 10_00), "p1", CLIENT)
    assert (await bank.ledger.balance(account.id)).ledger == 500_00
