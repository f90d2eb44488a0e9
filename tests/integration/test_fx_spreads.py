"""Staff's spreads on both backends: they price the next quote (pair rule, else staff's
default, else the settings), never a quote already given; each change and refusal is in
the audit log; removing one brings back what applied before."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import select

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.errors import ValidationFailed
from core.fx.commands import Exchange, RequestQuote
from core.fx.errors import SameCurrency, SpreadNotFound
from core.fx.model import FxConfig, Spreads
from core.fx.spreads import SpreadSource, SpreadView
from core.ledger.commands import Deposit
from core.money import UnknownCurrency
from core.persistence.database import Database
from core.persistence.tables import audit_log
from integrations.rates import parse_daily
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock

RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"
ADMIN = Actor(ActorKind.STAFF, "treasury")


@pytest.fixture
async def fx_bank(database: Database, keyring: Keyring, clock: MutableClock) -> Bank:
    settings = Spreads(50, {frozenset({"EUR", "USD"}): 20})
    built = Bank.build(
        database, keyring, CURRENCIES, clock=clock, fx_config=FxConfig(spreads=settings)
    )
    await built.accounts.ensure_bank_accounts(SYSTEM)
    await built.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    return built


async def _audit(bank: Bank, action: str) -> list[tuple[str, str, str, dict[str, object]]]:
    async with bank.db.read() as conn:
        rows = await conn.execute(
            select(audit_log.c.actor, audit_log.c.target, audit_log.c.outcome, audit_log.c.details)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.id)
        )
        return [(r.actor, r.target, r.outcome, dict(r.details)) for r in rows]


async def test_a_staff_pair_spread_prices_the_next_quote_in_both_directions(
    fx_bank: Bank,
) -> None:
    before = await fx_bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)
    assert (before.spread_bps, before.rate) == (50, Decimal("24.175515"))
    view = await fx_bank.fx.set_spread(("EUR", "CZK"), 100, "Thin CZK market", ADMIN)
    assert (view.pair, view.bps, view.source, view.set_by) == (
        ("CZK", "EUR"),
        100,
        SpreadSource.STAFF,
        "staff:treasury",
    )
    after = await fx_bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)
    assert (after.spread_bps, after.rate) == (100, Decimal("24.05403"))
    assert after.buy_amount == 2_405_40
    back = await fx_bank.fx.quote(RequestQuote("CZK", "EUR", 1000_00), SYSTEM)
    assert back.spread_bps == 100
    rate = await fx_bank.fx.exchange_rate("EUR", "CZK")
    assert (rate.spread_bps, rate.rate) == (100, after.rate)
    assert (await fx_bank.fx.exchange_rate("EUR", "USD")).spread_bps == 20


async def test_a_quote_already_given_keeps_its_price_when_the_spread_changes(
    fx_bank: Bank,
) -> None:
    customer = await fx_bank.customers.create(NewCustomer("Marie Svobodová"), SYSTEM)
    eur = await fx_bank.accounts.open(customer.id, "EUR", SYSTEM)
    czk = await fx_bank.accounts.open(customer.id, "CZK", SYSTEM)
    await fx_bank.ledger.deposit(Deposit(uuid4().hex, eur.id, 500_00, "EUR"), SYSTEM)
    quote = await fx_bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)
    await fx_bank.fx.set_spread(None, 2000, "Market closed", ADMIN)
    done = await fx_bank.fx.exchange(Exchange("fx-1", quote.id, eur.id, czk.id), SYSTEM)
    assert (done.rate, done.buy_amount) == (quote.rate, quote.buy_amount)
    assert (await fx_bank.fx.get_quote(quote.id)).spread_bps == 50


async def test_staff_default_replaces_every_settings_spread_until_removed(
    fx_bank: Bank,
) -> None:
    await fx_bank.fx.set_spread(None, 80, "Volatile week", ADMIN)
    await fx_bank.fx.set_spread(("USD", "CZK"), 10, "Promotion", ADMIN)
    assert (await fx_bank.fx.exchange_rate("EUR", "USD")).spread_bps == 80  # was settings' 20
    assert (await fx_bank.fx.exchange_rate("CZK", "USD")).spread_bps == 10
    assert [(v.key, v.bps, v.source) for v in await fx_bank.fx.spreads()] == [
        ("*", 80, SpreadSource.STAFF),
        ("CZK/USD", 10, SpreadSource.STAFF),
    ]
    now = await fx_bank.fx.remove_spread(None, ADMIN)
    assert now == SpreadView(None, 50, SpreadSource.SETTINGS)
    assert (await fx_bank.fx.exchange_rate("EUR", "USD")).spread_bps == 20
    assert [(v.key, v.bps, v.source) for v in await fx_bank.fx.spreads()] == [
        ("*", 50, SpreadSource.SETTINGS),
        ("CZK/USD", 10, SpreadSource.STAFF),
        ("EUR/USD", 20, SpreadSource.SETTINGS),
    ]
    pair = await fx_bank.fx.remove_spread(("CZK", "USD"), ADMIN)
    assert (pair.bps, pair.source) == (50, SpreadSource.SETTINGS)
    with pytest.raises(SpreadNotFound):
        await fx_bank.fx.remove_spread(("CZK", "USD"), ADMIN)


async def test_setting_again_replaces_and_each_change_is_audited(fx_bank: Bank) -> None:
    await fx_bank.fx.set_spread(("EUR", "CZK"), 70, "Thin market", ADMIN)
    await fx_bank.fx.set_spread(("CZK", "EUR"), 60, "Less thin", ADMIN)
    (view,) = [v for v in await fx_bank.fx.spreads() if v.pair == ("CZK", "EUR")]
    assert (view.bps, view.reason) == (60, "Less thin")
    await fx_bank.fx.remove_spread(("EUR", "CZK"), ADMIN)
    sets = await _audit(fx_bank, "set_spread")
    ok = ("staff:treasury", "fx_spread:CZK/EUR", "ok")
    assert [(a, t, o) for a, t, o, _ in sets] == [ok, ok]
    assert sets[1][3] == {
        "pair": "CZK/EUR",
        "bps": 60,
        "previous_bps": 70,
        "reason": "Less thin",
    }
    (removed,) = await _audit(fx_bank, "remove_spread")
    assert removed[1:3] == ("fx_spread:CZK/EUR", "ok")
    assert removed[3]["previous_bps"] == 60
    assert (await fx_bank.verify_audit()).ok


@pytest.mark.parametrize(
    ("pair", "bps", "reason", "error"),
    [
        (None, 2001, "Too much", ValidationFailed),
        (("EUR", "CZK"), -1, "Negative", ValidationFailed),
        (("EUR", "CZK"), 30, " ", ValidationFailed),
        (("EUR", "EUR"), 30, "Same", SameCurrency),
        (("EUR", "UAH"), 30, "Not a bank currency", UnknownCurrency),
    ],
)
async def test_a_bad_spread_is_refused_audited_and_changes_nothing(
    fx_bank: Bank,
    pair: tuple[str, str] | None,
    bps: int,
    reason: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await fx_bank.fx.set_spread(pair, bps, reason, ADMIN)
    assert all(v.source is SpreadSource.SETTINGS for v in await fx_bank.fx.spreads())
    (refused,) = await _audit(fx_bank, "set_spread")
    assert refused[2].startswith("rejected")
