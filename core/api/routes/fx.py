"""Foreign exchange: rates, quotes, exchanges, and the admins' rate overrides."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from core.api.deps import Admin, BankDep, IdempotencyKey, Payments, Reader
from core.api.fx_schemas import (
    ExchangeCreate,
    ExchangeOut,
    ExchangeRateOut,
    OverrideCancel,
    OverrideCreate,
    OverrideOut,
    QuoteCreate,
    QuoteOut,
    RateOut,
    RatesOut,
    RefreshOut,
)
from core.fx.commands import Exchange, RequestQuote, SetRateOverride
from core.fx.model import BASE

router = APIRouter(prefix="/fx", tags=["foreign exchange"])


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@router.get("/rates", response_model=RatesOut)
async def list_rates(bank: BankDep, _: Reader) -> RatesOut:
    """Every currency's newest rate against the euro, with its date and source."""
    return RatesOut(base=BASE, rates=[RateOut.of(v) for v in await bank.fx.rates()])


@router.post("/rates/refresh", response_model=RefreshOut)
async def refresh_rates(bank: BankDep, who: Admin) -> RefreshOut:
    """Fetch the rates source now, as the periodic job does."""
    return RefreshOut.of(await bank.fx.refresh_rates(who.actor))


@router.get("/rates/{sell_currency}/{buy_currency}", response_model=ExchangeRateOut)
async def exchange_rate(
    sell_currency: str, buy_currency: str, bank: BankDep, _: Reader
) -> ExchangeRateOut:
    """What a quote would give now, spread included; indicative, nothing is locked."""
    view = await bank.fx.exchange_rate(sell_currency.upper(), buy_currency.upper())
    return ExchangeRateOut.of(view)


@router.post("/quotes", status_code=201, response_model=QuoteOut)
async def create_quote(body: QuoteCreate, bank: BankDep, who: Payments) -> QuoteOut:
    """Price an exchange and lock the price for a while (30 seconds by default)."""
    cmd = RequestQuote.for_amount(
        body.sell_currency, body.buy_currency, body.minor(), body.currency
    )
    return QuoteOut.of(await bank.fx.quote(cmd, who.actor))


@router.get("/quotes/{quote_id}", response_model=QuoteOut)
async def get_quote(quote_id: UUID, bank: BankDep, _: Reader) -> QuoteOut:
    return QuoteOut.of(await bank.fx.get_quote(quote_id))


@router.post("/exchanges", status_code=201, response_model=ExchangeOut)
async def exchange(
    body: ExchangeCreate, bank: BankDep, who: Payments, key: IdempotencyKey
) -> ExchangeOut:
    """Exchange at a quote between two accounts of one customer, once per quote."""
    cmd = Exchange(key, body.quote_id, body.sell_account_id, body.buy_account_id)
    return ExchangeOut.of(await bank.fx.exchange(cmd, who.actor))


@router.get("/exchanges/{exchange_id}", response_model=ExchangeOut)
async def get_exchange(exchange_id: UUID, bank: BankDep, _: Reader) -> ExchangeOut:
    return ExchangeOut.of(await bank.fx.get_exchange(exchange_id))


@router.post("/overrides", status_code=201, response_model=OverrideOut)
async def set_override(body: OverrideCreate, bank: BankDep, who: Admin) -> OverrideOut:
    """Set a manual rate for a pair for a time window; it wins over the source's rates."""
    cmd = SetRateOverride(
        body.base_currency.upper(),
        body.quote_currency.upper(),
        Decimal(body.rate),
        _utc(body.valid_from) if body.valid_from else bank.clock.now(),
        _utc(body.valid_until),
        body.reason,
    )
    return OverrideOut.of(await bank.fx.set_rate_override(cmd, who.actor))


@router.get("/overrides", response_model=list[OverrideOut])
async def list_overrides(
    bank: BankDep, _: Admin, active: Annotated[bool, Query()] = False
) -> list[OverrideOut]:
    """Rate overrides, newest first; ``active=true`` for those in force now."""
    return [OverrideOut.of(v) for v in await bank.fx.rate_overrides(active_only=active)]


@router.post("/overrides/{override_id}/cancel", response_model=OverrideOut)
async def cancel_override(
    override_id: UUID, body: OverrideCancel, bank: BankDep, who: Admin
) -> OverrideOut:
    return OverrideOut.of(await bank.fx.cancel_rate_override(override_id, who.actor, body.reason))
