"""``BankAPI``'s foreign exchange part: indicative rates, quotes and exchanges.

This module holds the Protocol and the wrapper's own types only, so importing it (as
``integrations.bank.api`` does) never pulls in the core; ``LocalFx`` (in-process, over
the core) and ``HttpFx`` (over the REST API) are the mixins of ``LocalBank`` and
``HttpBank`` in ``local.py`` and ``http.py`` beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from integrations.bank.types import Amount


class QuoteSide(StrEnum):
    """Which amount the customer fixed: what they sell, or what they receive."""

    SELL = "sell"
    BUY = "buy"


class QuoteStatus(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"


class ExchangeStatus(StrEnum):
    PENDING = "pending"  # the quote is taken; the money moves in a moment
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class ExchangeRate:
    """What exchanging ``sell_currency`` into ``buy_currency`` gives now (indicative)."""

    sell_currency: str
    buy_currency: str
    mid_rate: Decimal  # buy units per sell unit, before the bank's spread
    rate: Decimal  # what the customer gets, after the spread
    spread_bps: int
    as_of: datetime  # when the rates behind it were published
    source: str


@dataclass(frozen=True, slots=True)
class ExchangeQuote:
    """A price locked until ``expires_at``: sell ``sell``, receive ``buy``.

    Amounts are rounded in the bank's favour: what the customer receives is rounded
    down, what they pay is rounded up.
    """

    id: UUID
    sell_currency: str
    buy_currency: str
    sell_amount_minor: int
    buy_amount_minor: int
    fixed_side: QuoteSide
    mid_rate: Decimal
    rate: Decimal
    spread_bps: int
    rates_source: str
    rates_as_of: datetime
    created_at: datetime
    expires_at: datetime
    status: QuoteStatus
    exchange_id: UUID | None

    @property
    def sell(self) -> Amount:
        return Amount(self.sell_amount_minor, self.sell_currency)

    @property
    def buy(self) -> Amount:
        return Amount(self.buy_amount_minor, self.buy_currency)


@dataclass(frozen=True, slots=True)
class CurrencyExchange:
    """An exchange executed at a quote: ``entry_id`` is its ledger entry once completed."""

    id: UUID
    quote_id: UUID
    customer_id: UUID
    sell_account_id: UUID
    buy_account_id: UUID
    sell_amount_minor: int
    sell_currency: str
    buy_amount_minor: int
    buy_currency: str
    rate: Decimal
    status: ExchangeStatus
    entry_id: UUID | None
    created_at: datetime
    completed_at: datetime | None

    @property
    def sell(self) -> Amount:
        return Amount(self.sell_amount_minor, self.sell_currency)

    @property
    def buy(self) -> Amount:
        return Amount(self.buy_amount_minor, self.buy_currency)


class FxAPI(Protocol):
    """Currency exchange as flows see it: look at a rate, lock a quote, exchange at it."""

    async def get_exchange_rate(self, sell_currency: str, buy_currency: str) -> ExchangeRate:
        """What the pair gives now, spread included; locks nothing.

        Raises ``InvalidRequest`` (``UNKNOWN_CURRENCY``, ``SAME_CURRENCY``) or
        ``Conflict`` (``RATE_UNAVAILABLE``; ``RATES_STALE`` when the bank's rates are too
        old to quote on).
        """
        ...

    async def quote_exchange(
        self, sell_currency: str, buy_currency: str, amount: Amount
    ) -> ExchangeQuote:
        """Lock a price for selling ``sell_currency`` for ``buy_currency``.

        ``amount`` is in one of the two currencies: in ``sell_currency`` it is what the
        customer sells, in ``buy_currency`` what they want to receive. The quote holds
        for the bank's lock time (30 seconds by default). Raises ``InvalidRequest``
        (``SAME_CURRENCY``, ``UNKNOWN_CURRENCY``, ``CURRENCY_MISMATCH``,
        ``NON_POSITIVE_AMOUNT``, ``AMOUNT_TOO_SMALL``) or ``Conflict`` (``RATES_STALE``,
        ``RATE_UNAVAILABLE``).
        """
        ...

    async def get_quote(self, quote_id: UUID) -> ExchangeQuote:
        """The quote and whether it is still open, or ``NotFound`` (``QUOTE_NOT_FOUND``)."""
        ...

    async def exchange(
        self,
        quote_id: UUID,
        sell_account_id: UUID,
        buy_account_id: UUID,
        *,
        idempotency_key: str,
    ) -> CurrencyExchange:
        """Exchange at the quote: ``sell`` leaves one account, ``buy`` reaches the other.

        Both accounts must be the same customer's, open, and in the quote's currencies.
        A quote is used once: ``Conflict`` (``QUOTE_EXPIRED``, ``QUOTE_ALREADY_USED``);
        also ``InsufficientFunds``, ``AccountUnavailable``, ``NotFound``,
        ``InvalidRequest`` (``ACCOUNT_OWNER_MISMATCH``, ``CURRENCY_MISMATCH``) and
        ``IdempotencyConflict``. A refused exchange moves nothing and leaves the quote and
        the key unused.
        """
        ...

    async def get_exchange(self, exchange_id: UUID) -> CurrencyExchange:
        """The exchange, or ``NotFound`` (``EXCHANGE_NOT_FOUND``)."""
        ...
