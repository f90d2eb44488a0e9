"""``HttpFx``: the FX part of ``HttpBank``, over the core's REST API (``/fx/…``)."""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from integrations.bank import checks, wire
from integrations.bank.fx import CurrencyExchange, ExchangeQuote, ExchangeRate
from integrations.bank.types import Amount


class _Caller(Protocol):
    """What the mixin needs of ``HttpBank``: one request, retried, decoded or raised."""

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str | int] | None = None,
        key: str | None = None,
    ) -> object: ...


class HttpFx:
    """``FxAPI`` over HTTP (a mixin of ``HttpBank``, whose ``_call`` sends requests)."""

    async def get_exchange_rate(
        self: _Caller, sell_currency: str, buy_currency: str
    ) -> ExchangeRate:
        """See :meth:`FxAPI.get_exchange_rate`."""
        sell, buy = checks.check_currency(sell_currency), checks.check_currency(buy_currency)
        return wire.parse(ExchangeRate, await self._call("GET", f"/fx/rates/{sell}/{buy}"))

    async def quote_exchange(
        self: _Caller, sell_currency: str, buy_currency: str, amount: Amount
    ) -> ExchangeQuote:
        """See :meth:`FxAPI.quote_exchange`."""
        sell, buy = checks.check_currency(sell_currency), checks.check_currency(buy_currency)
        checks.check_amount(amount)
        body = {
            "sell_currency": sell,
            "buy_currency": buy,
            "amount_minor": amount.minor,
            "currency": amount.currency,
        }
        return wire.parse(ExchangeQuote, await self._call("POST", "/fx/quotes", json=body))

    async def get_quote(self: _Caller, quote_id: UUID) -> ExchangeQuote:
        """See :meth:`FxAPI.get_quote`."""
        return wire.parse(ExchangeQuote, await self._call("GET", f"/fx/quotes/{quote_id}"))

    async def exchange(
        self: _Caller,
        quote_id: UUID,
        sell_account_id: UUID,
        buy_account_id: UUID,
        *,
        idempotency_key: str,
    ) -> CurrencyExchange:
        """See :meth:`FxAPI.exchange`."""
        key = checks.check_key(idempotency_key)
        body = {
            "quote_id": str(quote_id),
            "sell_account_id": str(sell_account_id),
            "buy_account_id": str(buy_account_id),
        }
        answer = await self._call("POST", "/fx/exchanges", json=body, key=key)
        return wire.parse(CurrencyExchange, answer)

    async def get_exchange(self: _Caller, exchange_id: UUID) -> CurrencyExchange:
        """See :meth:`FxAPI.get_exchange`."""
        answer = await self._call("GET", f"/fx/exchanges/{exchange_id}")
        return wire.parse(CurrencyExchange, answer)
