"""Exchanges under concurrency on real PostgreSQL: one quote, exactly one effect."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import pytest

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.customers.service import NewCustomer
from core.fx.commands import Exchange, RequestQuote
from core.fx.errors import QuoteAlreadyUsed
from core.fx.views import ExchangeView
from core.ledger.commands import Deposit
from integrations.rates import parse_daily
from tests.integration.helpers import balance_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"


async def _setup(bank: Bank) -> tuple[Exchange, int]:
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    customer = await bank.customers.create(NewCustomer("Petr Novák"), SYSTEM)
    eur = await bank.accounts.open(customer.id, "EUR", SYSTEM)
    czk = await bank.accounts.open(customer.id, "CZK", SYSTEM)
    await bank.ledger.deposit(Deposit("fund", eur.id, 10_000_00, "EUR"), SYSTEM)
    quote = await bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)
    return Exchange("", quote.id, eur.id, czk.id), quote.buy_amount


async def test_20_concurrent_exchanges_of_one_quote_have_exactly_one_effect(bank: Bank) -> None:
    template, bought = await _setup(bank)
    clients = [Actor(ActorKind.API_CLIENT, f"client-{i % 4}") for i in range(20)]

    async def attempt(i: int) -> ExchangeView | None:
        cmd = Exchange(
            f"tap-{i}", template.quote_id, template.sell_account_id, template.buy_account_id
        )
        try:
            return await bank.fx.exchange(cmd, clients[i])
        except QuoteAlreadyUsed:
            return None

    results = await asyncio.gather(*(attempt(i) for i in range(20)))
    done = [r for r in results if r is not None]
    assert len(done) == 1
    assert await balance_of(bank, template.sell_account_id) == 9_900_00
    assert await balance_of(bank, template.buy_account_id) == bought
    report = await bank.verify_ledger()
    assert report.ok, report.problems
    assert (await bank.verify_audit()).ok


async def test_20_concurrent_requests_with_one_key_make_one_exchange(bank: Bank) -> None:
    template, bought = await _setup(bank)
    key = f"double-tap-{uuid4()}"
    cmd = Exchange(key, template.quote_id, template.sell_account_id, template.buy_account_id)
    results = await asyncio.gather(*(bank.fx.exchange(cmd, SYSTEM) for _ in range(20)))
    assert len({r.id for r in results}) == 1
    assert len({r.entry_id for r in results}) == 1
    # Meanwhile the completion job may run too: still one entry.
    await bank.fx.complete_pending()
    assert await balance_of(bank, template.buy_account_id) == bought
    before = await bank.verify_ledger()
    assert before.ok, before.problems


async def test_retries_racing_the_completion_job_post_one_entry(bank: Bank) -> None:
    template, bought = await _setup(bank)
    cmd = Exchange("crashed", template.quote_id, template.sell_account_id, template.buy_account_id)
    taken = await bank.fx._exchanger._take_quote(cmd, SYSTEM)  # step 1, then a crash
    assert taken is not None
    retries = [bank.fx.exchange(cmd, SYSTEM) for _ in range(5)]
    jobs = [bank.fx._exchanger.complete(taken.id) for _ in range(5)]
    await asyncio.gather(*retries, *jobs)
    assert await balance_of(bank, template.buy_account_id) == bought
    assert await balance_of(bank, template.sell_account_id) == 9_900_00
    assert (await bank.verify_ledger()).ok
