"""Top-ups and card payouts under concurrency on real PostgreSQL: duplicated callbacks,
duplicated submissions and competing workers each have exactly one effect."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from sqlalchemy import Table, func, select

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.cardmoney.model import PayoutStage, TopUpStatus
from core.cardmoney.payouts import PayoutRequest
from core.cardmoney.tables import cardmoney_payouts, cardmoney_topups
from core.cardmoney.topups import TopUpRequest
from core.crypto import Keyring
from core.persistence.database import Database
from core.persistence.tables import entries, events
from integrations.acquirer.simulator import AcquirerSimulator
from integrations.cardnetwork.simulator import CardNetworkSimulator
from tests.fakes import MutableClock
from tests.integration.helpers import balance_of, funded_account
from tests.integration.moneyio_support import (
    RETURN_URL,
    SETTLE_AFTER,
    ScriptedPolicy,
    make_acquirer,
    make_bank,
    make_network,
    notice_for,
    signed,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
CLIENT = Actor(ActorKind.API_CLIENT, "flows")


@pytest.fixture
def acquirer(clock: MutableClock) -> AcquirerSimulator:
    return make_acquirer(clock)


@pytest.fixture
def network(clock: MutableClock) -> CardNetworkSimulator:
    return make_network(clock)


@pytest.fixture
def policy() -> ScriptedPolicy:
    return ScriptedPolicy(fee_minor=50)


@pytest.fixture
async def bank(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    acquirer: AcquirerSimulator,
    network: CardNetworkSimulator,
    policy: ScriptedPolicy,
) -> Bank:
    built = make_bank(database, keyring, clock, acquirer, network, policy=policy)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def count(bank: Bank, table: Table, **where: object) -> int:
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    async with bank.db.read() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_20_concurrent_copies_of_a_callback_credit_once(
    bank: Bank, clock: MutableClock
) -> None:
    account = await funded_account(bank)
    request = TopUpRequest(account.id, 2_500, "EUR", RETURN_URL)
    view = await bank.cardmoney.topups.start(request, "t-1", CLIENT)
    assert view.acquirer_reference is not None
    body, headers = signed(notice_for(view.id, view.acquirer_reference, view.total), clock)
    results = await asyncio.gather(
        *(bank.cardmoney.topups.receive_callback(body, headers) for _ in range(20))
    )
    assert {r.status for r in results} <= {TopUpStatus.PROCESSING, TopUpStatus.COMPLETED}
    assert (await bank.cardmoney.topups.get(view.id)).status is TopUpStatus.COMPLETED
    assert await balance_of(bank, account.id) == 2_500
    assert await count(bank, entries, kind="topup") == 1
    assert await count(bank, events, type="topup.completed") == 1
    assert (await bank.verify_ledger()).ok


async def test_callbacks_racing_the_sweep_credit_once(bank: Bank, clock: MutableClock) -> None:
    account = await funded_account(bank)
    views = [
        await bank.cardmoney.topups.start(
            TopUpRequest(account.id, 1_000 + i, "EUR", RETURN_URL), f"t-{i}", CLIENT
        )
        for i in range(5)
    ]
    calls = []
    for view in views:
        assert view.acquirer_reference is not None
        body, headers = signed(notice_for(view.id, view.acquirer_reference, view.total), clock)
        calls += [bank.cardmoney.topups.receive_callback(body, headers) for _ in range(3)]
    calls += [bank.cardmoney.topups.sweep(clock.now()) for _ in range(3)]
    await asyncio.gather(*calls)
    await bank.cardmoney.topups.sweep(clock.now())
    assert await balance_of(bank, account.id) == sum(1_000 + i for i in range(5))
    assert await count(bank, entries, kind="topup") == 5
    assert await count(bank, events, type="topup.completed") == 5


async def test_20_concurrent_starts_with_one_key_open_one_session(
    bank: Bank, acquirer: AcquirerSimulator
) -> None:
    account = await funded_account(bank)
    request = TopUpRequest(account.id, 2_500, "EUR", RETURN_URL)
    results = await asyncio.gather(
        *(bank.cardmoney.topups.start(request, "same", CLIENT) for _ in range(20))
    )
    assert len({r.id for r in results}) == 1
    assert await count(bank, cardmoney_topups) == 1
    assert len(acquirer.sessions) == 1


async def test_20_concurrent_payouts_with_one_key_take_the_money_once(
    bank: Bank, policy: ScriptedPolicy
) -> None:
    account = await funded_account(bank, 50_000)
    request = PayoutRequest(account.id, "4242 4242 4242 4242", 10_000, "EUR")
    results = await asyncio.gather(
        *(bank.cardmoney.payouts.send(request, "same", CLIENT) for _ in range(20))
    )
    assert len({r.id for r in results}) == 1
    assert await count(bank, cardmoney_payouts) == 1
    assert await count(bank, entries, kind="payout") == 1
    assert await balance_of(bank, account.id) == 50_000 - 10_050
    # Every losing attempt gave back what the policy counted for it.
    assert sorted(policy.released) == sorted(set(policy.admitted) - {f"payout:{results[0].id}"})


async def test_concurrent_payouts_never_overdraw_the_account(bank: Bank) -> None:
    account = await funded_account(bank, 50_000)
    request = PayoutRequest(account.id, "4242 4242 4242 4242", 10_000, "EUR")
    outcomes = await asyncio.gather(
        *(bank.cardmoney.payouts.send(request, uuid4().hex, CLIENT) for _ in range(10)),
        return_exceptions=True,
    )
    taken = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(taken) == 4  # 4 x 10,050 fits in 50,000; a fifth does not
    assert {getattr(e, "code", None) for e in refused} == {"INSUFFICIENT_FUNDS"}
    assert await balance_of(bank, account.id) == 50_000 - 4 * 10_050
    assert (await bank.verify_ledger()).ok


async def test_competing_workers_settle_and_reverse_each_payout_once(
    bank: Bank, clock: MutableClock
) -> None:
    account = await funded_account(bank, 50_000)
    paid = await bank.cardmoney.payouts.send(
        PayoutRequest(account.id, "4242 4242 4242 4242", 10_000, "EUR"), "ok", CLIENT
    )
    returned = await bank.cardmoney.payouts.send(
        PayoutRequest(account.id, "4000 0000 0000 0119", 10_000, "EUR"), "back", CLIENT
    )
    steps = bank.cardmoney.payouts.steps
    await asyncio.gather(*(steps.advance(p.id) for p in (paid, returned) for _ in range(5)))
    clock.advance(seconds=SETTLE_AFTER.total_seconds() + 1)
    await asyncio.gather(*(steps.advance(p.id) for p in (paid, returned) for _ in range(5)))
    assert (await bank.cardmoney.payouts.get(paid.id)).stage is PayoutStage.COMPLETED
    assert (await bank.cardmoney.payouts.get(returned.id)).stage is PayoutStage.FAILED
    assert await count(bank, entries, kind="reversal") == 1
    assert await count(bank, events, type="payout.completed") == 1
    assert await count(bank, events, type="payout.failed") == 1
    assert await balance_of(bank, account.id) == 50_000 - 10_050
    assert (await bank.verify_ledger()).ok
