"""``LocalFx``: the FX part of ``LocalBank``, in-process over the core."""

from __future__ import annotations

from contextlib import AbstractContextManager
from uuid import UUID

from core.actors import Actor
from core.bank import Bank
from core.fx.commands import Exchange, RequestQuote
from core.fx.views import ExchangeRateView, ExchangeView, QuoteView
from integrations.bank import checks
from integrations.bank.fx import (
    CurrencyExchange,
    ExchangeQuote,
    ExchangeRate,
    ExchangeStatus,
    QuoteSide,
    QuoteStatus,
)
from integrations.bank.types import Amount


def _translated() -> AbstractContextManager[None]:
    # Imported when called: integrations.bank.local imports this module for its base.
    from integrations.bank.local import _translated as translated

    return translated()


def rate_of(v: ExchangeRateView) -> ExchangeRate:
    return ExchangeRate(
        v.sell_currency, v.buy_currency, v.mid_rate, v.rate, v.spread_bps, v.as_of, v.source
    )


def quote_of(v: QuoteView) -> ExchangeQuote:
    return ExchangeQuote(
        id=v.id,
        sell_currency=v.sell_currency,
        buy_currency=v.buy_currency,
        sell_amount_minor=v.sell_amount,
        buy_amount_minor=v.buy_amount,
        fixed_side=QuoteSide(v.fixed_side.value),
        mid_rate=v.mid_rate,
        rate=v.rate,
        spread_bps=v.spread_bps,
        rates_source=v.rates_source,
        rates_as_of=v.rates_as_of,
        created_at=v.created_at,
        expires_at=v.expires_at,
        status=QuoteStatus(v.status.value),
        exchange_id=v.exchange_id,
    )


def exchange_of(v: ExchangeView) -> CurrencyExchange:
    return CurrencyExchange(
        id=v.id,
        quote_id=v.quote_id,
        customer_id=v.customer_id,
        sell_account_id=v.sell_account_id,
        buy_account_id=v.buy_account_id,
        sell_amount_minor=v.sell_amount,
        sell_currency=v.sell_currency,
        buy_amount_minor=v.buy_amount,
        buy_currency=v.buy_currency,
        rate=v.rate,
        status=ExchangeStatus(v.status.value),
        entry_id=v.entry_id,
        created_at=v.created_at,
        completed_at=v.completed_at,
    )


class LocalFx:
    """``FxAPI`` over ``self._bank`` (a mixin of ``LocalBank``, which sets both fields)."""

    _bank: Bank
    _actor: Actor

    async def get_exchange_rate(self, sell_currency: str, buy_currency: str) -> ExchangeRate:
        """See :meth:`FxAPI.get_exchange_rate`."""
        sell, buy = checks.check_currency(sell_currency), checks.check_currency(buy_currency)
        with _translated():
            return rate_of(await self._bank.fx.exchange_rate(sell, buy))

    async def quote_exchange(
        self, sell_currency: str, buy_currency: str, amount: Amount
    ) -> ExchangeQuote:
        """See :meth:`FxAPI.quote_exchange`."""
        sell, buy = checks.check_currency(sell_currency), checks.check_currency(buy_currency)
        checks.check_amount(amount)
        with _translated():
            cmd = RequestQuote.for_amount(sell, buy, amount.minor, amount.currency)
            return quote_of(await self._bank.fx.quote(cmd, self._actor))

    async def get_quote(self, quote_id: UUID) -> ExchangeQuote:
        """See :meth:`FxAPI.get_quote`."""
        with _translated():
            return quote_of(await self._bank.fx.get_quote(quote_id))

    async def exchange(
        self,
        quote_id: UUID,
        sell_account_id: UUID,
        buy_account_id: UUID,
        *,
        idempotency_key: str,
    ) -> CurrencyExchange:
        """See :meth:`FxAPI.exchange`."""
        key = checks.check_key(idempotency_key)
        cmd = Exchange(key, quote_id, sell_account_id, buy_account_id)
        with _translated():
            return exchange_of(await self._bank.fx.exchange(cmd, self._actor))

    async def get_exchange(self, exchange_id: UUID) -> CurrencyExchange:
        """See :meth:`FxAPI.get_exchange`."""
        with _translated():
            return exchange_of(await self._bank.fx.get_exchange(exchange_id))
