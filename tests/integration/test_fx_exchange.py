"""Quotes and exchanges on both backends: the lock and its expiry, the ledger legs through
the FX position accounts, idempotency, refusals that change nothing, recovery."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select

from core.accounts.service import AccountView
from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.errors import CoreError
from core.fx.commands import Exchange, RequestQuote
from core.fx.errors import (
    AccountOwnerMismatch,
    AmountTooSmall,
    QuoteAlreadyUsed,
    QuoteExpired,
    QuoteNotFound,
    SameCurrency,
)
from core.fx.model import FxConfig, QuoteStatus, Side, Spreads
from core.fx.views import ExchangeStatus
from core.ledger.commands import Deposit, Withdraw
from core.ledger.errors import AccountFrozen, IdempotencyConflict, InsufficientFunds
from core.ledger.model import BankPurpose, EntryKind
from core.money import CurrencyMismatch, InvalidAmount, NonPositiveAmount, UnknownCurrency
from core.payments.errors import OperationDisabled
from core.payments.model import SwitchScope
from core.persistence.database import Database
from core.persistence.tables import events
from integrations.rates import parse_daily
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.integration.helpers import balance_of

RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"
CUSTOMER = Actor(ActorKind.API_CLIENT, "chat")


@pytest.fixture
async def rated(bank: Bank) -> Bank:
    """The test bank with the recorded ECB rates of Friday 27 February 2026."""
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    return bank


async def wallet(bank: Bank, eur: int = 0) -> tuple[AccountView, AccountView]:
    """A customer's EUR account (holding ``eur`` cents) and CZK account."""
    customer = await bank.customers.create(NewCustomer(f"Customer {uuid4().hex[:6]}"), SYSTEM)
    eur_account = await bank.accounts.open(customer.id, "EUR", SYSTEM)
    czk_account = await bank.accounts.open(customer.id, "CZK", SYSTEM)
    if eur:
        await bank.ledger.deposit(Deposit(uuid4().hex, eur_account.id, eur, "EUR"), SYSTEM)
    return eur_account, czk_account


async def fx_position(bank: Bank, currency: str) -> UUID:
    return await bank.ledger.bank_account(BankPurpose.FX_POSITION, currency)


# -- quotes -------------------------------------------------------------------------------


async def test_a_quote_shows_both_amounts_the_rate_and_its_expiry(rated: Bank) -> None:
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    assert (quote.sell_amount, quote.buy_amount) == (100_00, 2_417_55)
    assert (quote.mid_rate, quote.rate, quote.spread_bps) == (
        Decimal("24.297"),
        Decimal("24.175515"),
        50,
    )
    assert quote.expires_at == rated.clock.now() + rated.fx.config.quote_ttl
    assert (quote.rates_source, quote.status) == ("ecb", QuoteStatus.OPEN)
    assert await rated.fx.get_quote(quote.id) == quote


async def test_a_quote_may_fix_what_the_customer_receives(rated: Bank) -> None:
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 1_000_00, Side.BUY), CUSTOMER)
    assert (quote.sell_amount, quote.buy_amount, quote.fixed_side) == (41_37, 1_000_00, Side.BUY)


async def test_a_cross_quote_goes_through_the_euro(rated: Bank) -> None:
    quote = await rated.fx.quote(RequestQuote("USD", "JPY", 100_00), CUSTOMER)
    # 182.41 / 1.1682 = 156.14620784... JPY per USD, less 0.5 %: 15536 JPY for 100 USD.
    assert quote.buy_amount == 15_536
    assert quote.mid_rate == Decimal("156.1462078")


async def test_spreads_per_pair_and_the_lock_time_are_configurable(
    database: Database, keyring: Keyring, clock: MutableClock
) -> None:
    config = FxConfig(spreads=Spreads.parse(50, "EUR/CZK=30"), quote_ttl=timedelta(seconds=10))
    built = Bank.build(database, keyring, CURRENCIES, clock=clock, fx_config=config)
    await built.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    czk = await built.fx.quote(RequestQuote("CZK", "EUR", 1_000_00), CUSTOMER)
    usd = await built.fx.quote(RequestQuote("USD", "EUR", 100_00), CUSTOMER)
    assert (czk.spread_bps, usd.spread_bps) == (30, 50)
    assert czk.expires_at - czk.created_at == timedelta(seconds=10)
    assert czk.buy_amount == 41_03  # 1000 CZK / 24.297 = 41.157 EUR, less 0.3 %: 41.03


async def test_a_quote_expires_after_its_lock_time(rated: Bank, clock: MutableClock) -> None:
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    clock.advance(seconds=29.999)
    assert (await rated.fx.get_quote(quote.id)).status is QuoteStatus.OPEN
    clock.advance(seconds=0.001)
    assert (await rated.fx.get_quote(quote.id)).status is QuoteStatus.EXPIRED
    eur, czk = await wallet(rated, 500_00)
    with pytest.raises(QuoteExpired) as refused:
        await rated.fx.exchange(Exchange("late", quote.id, eur.id, czk.id), CUSTOMER)
    assert refused.value.code == "QUOTE_EXPIRED"
    assert (await balance_of(rated, eur.id), await balance_of(rated, czk.id)) == (500_00, 0)


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (RequestQuote("EUR", "EUR", 100), SameCurrency),
        (RequestQuote("EUR", "XYZ", 100), UnknownCurrency),
        (RequestQuote("EUR", "GBP", 100), UnknownCurrency),  # no GBP accounts in this bank
        (RequestQuote("EUR", "CZK", 0), NonPositiveAmount),
        (RequestQuote("EUR", "CZK", -100), NonPositiveAmount),
        (RequestQuote("JPY", "EUR", 1), AmountTooSmall),
        (RequestQuote("EUR", "JPY", 10**17), InvalidAmount),
    ],
)
async def test_a_bad_quote_request_is_refused_and_audited(
    rated: Bank, request_: RequestQuote, error: type[CoreError]
) -> None:
    with pytest.raises(error):
        await rated.fx.quote(request_, CUSTOMER)
    assert (await rated.verify_audit()).ok


# -- exchanges ----------------------------------------------------------------------------


async def test_an_exchange_posts_both_legs_through_the_fx_position_in_one_entry(
    rated: Bank,
) -> None:
    eur, czk = await wallet(rated, 500_00)
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    done = await rated.fx.exchange(Exchange("x1", quote.id, eur.id, czk.id), CUSTOMER)
    assert done.status is ExchangeStatus.COMPLETED
    assert (done.sell_amount, done.buy_amount, done.rate) == (100_00, 2_417_55, quote.rate)
    assert done.entry_id is not None
    entry = await rated.ledger.entry(done.entry_id)
    assert entry.kind is EntryKind.EXCHANGE
    fx_eur, fx_czk = await fx_position(rated, "EUR"), await fx_position(rated, "CZK")
    assert [(p.account_id, p.amount, p.currency) for p in entry.postings] == [
        (eur.id, -100_00, "EUR"),
        (fx_eur, 100_00, "EUR"),
        (fx_czk, -2_417_55, "CZK"),
        (czk.id, 2_417_55, "CZK"),
    ]
    assert (await balance_of(rated, eur.id), await balance_of(rated, czk.id)) == (400_00, 2_417_55)
    used = await rated.fx.get_quote(quote.id)
    assert (used.status, used.exchange_id) == (QuoteStatus.USED, done.id)
    assert await rated.fx.get_exchange(done.id) == done
    report = await rated.verify_ledger()
    assert report.ok, report.problems
    assert (await rated.verify_audit()).ok
    async with rated.db.read() as conn:
        types = (await conn.execute(select(events.c.type))).scalars().all()
    assert "fx.exchanged" in types


async def test_the_spread_stays_in_the_fx_position(rated: Bank) -> None:
    eur, czk = await wallet(rated, 100_00)
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    await rated.fx.exchange(Exchange("x", quote.id, eur.id, czk.id), CUSTOMER)
    fx_eur = await balance_of(rated, await fx_position(rated, "EUR"))
    fx_czk = await balance_of(rated, await fx_position(rated, "CZK"))
    # Valued at the mid rate, the position gained what the customer paid for the spread.
    gain_czk = Decimal(fx_eur) / 100 * Decimal("24.297") + Decimal(fx_czk) / 100
    assert gain_czk == Decimal("12.15")  # 2429.70 CZK at mid, 2417.55 paid out


async def test_the_same_key_returns_the_first_exchange_and_moves_money_once(
    rated: Bank,
) -> None:
    eur, czk = await wallet(rated, 500_00)
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    first = await rated.fx.exchange(Exchange("k", quote.id, eur.id, czk.id), CUSTOMER)
    again = await rated.fx.exchange(Exchange("k", quote.id, eur.id, czk.id), CUSTOMER)
    assert again == first
    other_eur, other_czk = await wallet(rated, 500_00)
    with pytest.raises(IdempotencyConflict):
        await rated.fx.exchange(Exchange("k", quote.id, other_eur.id, other_czk.id), CUSTOMER)
    with pytest.raises(QuoteAlreadyUsed):
        await rated.fx.exchange(Exchange("k2", quote.id, eur.id, czk.id), CUSTOMER)
    with pytest.raises(QuoteAlreadyUsed):  # another client, another scope: still used
        await rated.fx.exchange(Exchange("k", quote.id, eur.id, czk.id), SYSTEM)
    assert await balance_of(rated, eur.id) == 400_00


async def _other_customers_czk(bank: Bank) -> UUID:
    return (await wallet(bank))[1].id


async def _usd_account(bank: Bank, eur: AccountView) -> UUID:
    assert eur.customer_id is not None
    return (await bank.accounts.open(eur.customer_id, "USD", SYSTEM)).id


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("another customer's account", AccountOwnerMismatch),
        ("the bank's own account", AccountOwnerMismatch),
        ("an account in another currency", CurrencyMismatch),
        ("accounts swapped", CurrencyMismatch),
        ("a frozen account", AccountFrozen),
        ("not enough money", InsufficientFunds),
        ("an unknown quote", QuoteNotFound),
    ],
)
async def test_a_refused_exchange_moves_nothing_and_leaves_the_quote_and_key_unused(
    rated: Bank, case: str, error: type[CoreError]
) -> None:
    eur, czk = await wallet(rated, 500_00)
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    quote_id, sell, buy = quote.id, eur.id, czk.id
    if case == "another customer's account":
        buy = await _other_customers_czk(rated)
    elif case == "the bank's own account":
        buy = await fx_position(rated, "CZK")
    elif case == "an account in another currency":
        buy = await _usd_account(rated, eur)
    elif case == "accounts swapped":
        sell, buy = czk.id, eur.id
    elif case == "a frozen account":
        await rated.accounts.freeze(czk.id, SYSTEM, "court order")
    elif case == "not enough money":
        await rated.ledger.withdraw(Withdraw("w", eur.id, 450_00, "EUR"), SYSTEM)
    else:
        quote_id = uuid4()
    with pytest.raises(error):
        await rated.fx.exchange(Exchange("key", quote_id, sell, buy), CUSTOMER)
    assert (await rated.fx.get_quote(quote.id)).status is QuoteStatus.OPEN
    assert await balance_of(rated, czk.id) == 0
    if case == "a frozen account":
        await rated.accounts.unfreeze(czk.id, SYSTEM, "lifted")
    if case == "not enough money":
        await rated.ledger.deposit(Deposit("d", eur.id, 450_00, "EUR"), SYSTEM)
    # The same key, now with a request that is right, goes through.
    done = await rated.fx.exchange(Exchange("key", quote.id, eur.id, czk.id), CUSTOMER)
    assert done.status is ExchangeStatus.COMPLETED
    assert (await rated.verify_ledger()).ok


async def test_an_exchange_the_ledger_refuses_after_taking_the_quote_frees_it(
    rated: Bank,
) -> None:
    """Money spent between the checks and the posting: the quote and the key come back."""
    eur, czk = await wallet(rated, 100_00)
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    cmd = Exchange("race", quote.id, eur.id, czk.id)
    taken = await rated.fx._exchanger._take_quote(cmd, CUSTOMER)  # step 1, then a crash
    assert taken is not None
    assert taken.status is ExchangeStatus.PENDING
    await rated.ledger.withdraw(Withdraw("spent", eur.id, 50_00, "EUR"), SYSTEM)
    with pytest.raises(InsufficientFunds):
        await rated.fx.exchange(cmd, CUSTOMER)  # the retry resumes, and the ledger refuses
    assert (await rated.fx.get_quote(quote.id)).status is QuoteStatus.OPEN
    await rated.ledger.deposit(Deposit("back", eur.id, 50_00, "EUR"), SYSTEM)
    done = await rated.fx.exchange(cmd, CUSTOMER)
    assert done.id != taken.id
    assert await balance_of(rated, czk.id) == 2_417_55
    assert (await rated.verify_ledger()).ok


async def test_the_completion_job_finishes_an_exchange_left_pending_by_a_crash(
    rated: Bank, clock: MutableClock
) -> None:
    eur, czk = await wallet(rated, 100_00)
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    taken = await rated.fx._exchanger._take_quote(
        Exchange("crash", quote.id, eur.id, czk.id), CUSTOMER
    )
    assert taken is not None
    clock.advance(minutes=1)  # the quote expired meanwhile: it was taken in time
    job = next(j for j in rated.jobs().periodic if j.name == "fx.complete_exchanges")
    await job.handler(clock.now())
    done = await rated.fx.get_exchange(taken.id)
    assert done.status is ExchangeStatus.COMPLETED
    assert await balance_of(rated, czk.id) == 2_417_55
    assert done.entry_id is not None
    assert (await rated.ledger.entry(done.entry_id)).postings[0].amount == -100_00
    # The requester's retry finds it done; the job running again changes nothing.
    again = await rated.fx.exchange(Exchange("crash", quote.id, eur.id, czk.id), CUSTOMER)
    assert again == done
    assert await rated.fx.complete_pending() == 0
    assert (await rated.verify_ledger()).ok


# -- admin switches (the payments area's) ---------------------------------------------------


async def test_exchange_switched_off_in_a_currency_neither_quotes_nor_exchanges(
    rated: Bank, clock: MutableClock
) -> None:
    eur, czk = await wallet(rated, 500_00)
    quote = await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    switch = await rated.payments.switches.disable(
        SwitchScope.EXCHANGE, "CZK", "CZK market closed for the holiday", SYSTEM
    )
    with pytest.raises(OperationDisabled) as refused:
        await rated.fx.quote(RequestQuote("EUR", "CZK", 100_00), CUSTOMER)
    assert refused.value.data["currency"] == "CZK"
    with pytest.raises(OperationDisabled):
        await rated.fx.exchange(Exchange("x1", quote.id, eur.id, czk.id), CUSTOMER)
    assert await balance_of(rated, eur.id) == 500_00
    await rated.fx.quote(RequestQuote("EUR", "USD", 100_00), CUSTOMER)  # others still work
    await rated.payments.switches.lift(switch.id, SYSTEM)
    done = await rated.fx.exchange(Exchange("x1", quote.id, eur.id, czk.id), CUSTOMER)
    assert done.status is ExchangeStatus.COMPLETED
