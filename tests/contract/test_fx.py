"""``BankAPI``'s FX part: ``LocalBank`` and ``HttpBank`` give the same values and raise the
same error classes with the same codes, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from integrations.bank import (
    Account,
    Amount,
    BankAPI,
    Conflict,
    ExchangeStatus,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    QuoteSide,
    QuoteStatus,
)
from integrations.rates import parse_daily
from tests.fakes import MutableClock

RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"


@pytest.fixture
async def rated(bank: Bank) -> Bank:
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    return bank


async def wallet(api: BankAPI, eur: int = 0) -> tuple[Account, Account]:
    customer = await api.register_customer("Marie Svobodová", "cs")
    eur_account = await api.open_account(customer.id, "EUR")
    czk_account = await api.open_account(customer.id, "CZK")
    if eur:
        await api.deposit(
            eur_account.id, Amount(eur, "EUR"), description="Top-up", idempotency_key=f"{uuid4()}"
        )
    return eur_account, czk_account


async def test_an_indicative_rate_includes_the_spread(bank_api: BankAPI, rated: Bank) -> None:
    rate = await bank_api.get_exchange_rate("eur", "CZK")
    assert (rate.sell_currency, rate.buy_currency) == ("EUR", "CZK")
    assert (rate.mid_rate, rate.rate, rate.spread_bps) == (
        Decimal("24.297"),
        Decimal("24.175515"),
        50,
    )
    assert rate.source == "ecb"


async def test_a_quote_then_an_exchange_move_money_once(bank_api: BankAPI, rated: Bank) -> None:
    eur, czk = await wallet(bank_api, 500_00)
    quote = await bank_api.quote_exchange("EUR", "CZK", Amount(100_00, "EUR"))
    assert (quote.sell, quote.buy) == (Amount(100_00, "EUR"), Amount(2_417_55, "CZK"))
    assert (quote.fixed_side, quote.status, quote.rate) == (
        QuoteSide.SELL,
        QuoteStatus.OPEN,
        Decimal("24.175515"),
    )
    assert await bank_api.get_quote(quote.id) == quote
    done = await bank_api.exchange(quote.id, eur.id, czk.id, idempotency_key="fx-1")
    assert (done.status, done.sell, done.buy) == (
        ExchangeStatus.COMPLETED,
        quote.sell,
        quote.buy,
    )
    assert await bank_api.exchange(quote.id, eur.id, czk.id, idempotency_key="fx-1") == done
    assert await bank_api.get_exchange(done.id) == done
    assert done.entry_id is not None
    entry = await bank_api.get_entry(done.entry_id)
    assert entry.posting_for(czk.id).amount_minor == 2_417_55
    assert (await bank_api.get_balance(eur.id)).ledger_minor == 400_00
    used = await bank_api.get_quote(quote.id)
    assert (used.status, used.exchange_id) == (QuoteStatus.USED, done.id)
    with pytest.raises(Conflict) as refused:
        await bank_api.exchange(quote.id, eur.id, czk.id, idempotency_key="fx-2")
    assert refused.value.code == "QUOTE_ALREADY_USED"
    other_eur, other_czk = await wallet(bank_api, 100)
    with pytest.raises(IdempotencyConflict):
        await bank_api.exchange(quote.id, other_eur.id, other_czk.id, idempotency_key="fx-1")


async def test_a_quote_may_fix_the_amount_received(bank_api: BankAPI, rated: Bank) -> None:
    quote = await bank_api.quote_exchange("EUR", "CZK", Amount(1_000_00, "CZK"))
    assert (quote.fixed_side, quote.sell_amount_minor) == (QuoteSide.BUY, 41_37)


async def test_an_expired_quote_is_refused(
    bank_api: BankAPI, rated: Bank, clock: MutableClock
) -> None:
    eur, czk = await wallet(bank_api, 500_00)
    quote = await bank_api.quote_exchange("EUR", "CZK", Amount(100_00, "EUR"))
    clock.advance(seconds=30)
    assert (await bank_api.get_quote(quote.id)).status is QuoteStatus.EXPIRED
    with pytest.raises(Conflict) as refused:
        await bank_api.exchange(quote.id, eur.id, czk.id, idempotency_key="late")
    assert refused.value.code == "QUOTE_EXPIRED"
    assert (await bank_api.get_balance(czk.id)).ledger_minor == 0


@pytest.mark.parametrize(
    ("sell", "buy", "amount", "code"),
    [
        ("EUR", "EUR", Amount(100, "EUR"), "SAME_CURRENCY"),
        ("EUR", "XYZ", Amount(100, "EUR"), "UNKNOWN_CURRENCY"),
        ("EURO", "CZK", Amount(100, "CZK"), "UNKNOWN_CURRENCY"),
        ("EUR", "CZK", Amount(100, "USD"), "CURRENCY_MISMATCH"),
        ("EUR", "CZK", Amount(0, "EUR"), "NON_POSITIVE_AMOUNT"),
        ("EUR", "CZK", Amount(-5, "EUR"), "NON_POSITIVE_AMOUNT"),
        ("JPY", "EUR", Amount(1, "JPY"), "AMOUNT_TOO_SMALL"),
    ],
)
async def test_bad_quote_requests_are_refused_alike(
    bank_api: BankAPI, rated: Bank, sell: str, buy: str, amount: Amount, code: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        await bank_api.quote_exchange(sell, buy, amount)
    assert refused.value.code == code


async def test_stale_rates_refuse_quotes_alike(
    bank_api: BankAPI, rated: Bank, clock: MutableClock
) -> None:
    clock.advance(days=5)
    with pytest.raises(Conflict) as refused:
        await bank_api.quote_exchange("EUR", "CZK", Amount(100, "EUR"))
    assert refused.value.code == "RATES_STALE"
    with pytest.raises(Conflict):
        await bank_api.get_exchange_rate("EUR", "CZK")


async def test_exchange_refusals_are_alike(bank_api: BankAPI, rated: Bank) -> None:
    eur, czk = await wallet(bank_api, 50_00)
    _, stranger_czk = await wallet(bank_api)
    quote = await bank_api.quote_exchange("EUR", "CZK", Amount(100_00, "EUR"))
    with pytest.raises(InvalidRequest) as owner:
        await bank_api.exchange(quote.id, eur.id, stranger_czk.id, idempotency_key="a")
    assert owner.value.code == "ACCOUNT_OWNER_MISMATCH"
    with pytest.raises(InvalidRequest) as swapped:
        await bank_api.exchange(quote.id, czk.id, eur.id, idempotency_key="a")
    assert swapped.value.code == "CURRENCY_MISMATCH"
    with pytest.raises(InsufficientFunds):
        await bank_api.exchange(quote.id, eur.id, czk.id, idempotency_key="a")
    with pytest.raises(NotFound) as missing:
        await bank_api.exchange(uuid4(), eur.id, czk.id, idempotency_key="a")
    assert missing.value.code == "QUOTE_NOT_FOUND"
    with pytest.raises(NotFound) as no_quote:
        await bank_api.get_quote(uuid4())
    assert no_quote.value.code == "QUOTE_NOT_FOUND"
    with pytest.raises(NotFound) as no_exchange:
        await bank_api.get_exchange(uuid4())
    assert no_exchange.value.code == "EXCHANGE_NOT_FOUND"
    with pytest.raises(InvalidRequest) as bad_key:
        await bank_api.exchange(quote.id, eur.id, czk.id, idempotency_key=" ")
    assert bad_key.value.code == "VALIDATION_ERROR"
    assert (await bank_api.get_quote(quote.id)).status is QuoteStatus.OPEN


async def test_no_rate_yet_is_a_conflict(bank_api: BankAPI) -> None:
    with pytest.raises(Conflict) as refused:
        await bank_api.quote_exchange("EUR", "CZK", Amount(100, "EUR"))
    assert refused.value.code == "RATE_UNAVAILABLE"
