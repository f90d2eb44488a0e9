"""FX commands: what a caller asks for, validated by the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from core.fx.errors import SameCurrency
from core.fx.model import Side
from core.money import CurrencyMismatch


def _safe_code(code: str) -> str | None:
    """Echo a code back only when it looks like one (never raw input, see core.errors)."""
    return code if len(code) == 3 and code.isascii() and code.isalpha() else None


@dataclass(frozen=True, slots=True)
class RequestQuote:
    """Price selling ``sell_currency`` for ``buy_currency``; ``amount`` minor units of the
    currency on ``side`` (what the customer sells, or what they want to receive)."""

    sell_currency: str
    buy_currency: str
    amount: int
    side: Side = Side.SELL

    def __post_init__(self) -> None:
        for name in ("sell_currency", "buy_currency"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, value.upper())

    @classmethod
    def for_amount(cls, sell: str, buy: str, amount: int, currency: str) -> RequestQuote:
        """The request for ``amount`` of ``currency``: the sell side if it is the currency
        sold, the buy side if it is the one bought (``SAME_CURRENCY``, ``CURRENCY_MISMATCH``
        otherwise)."""
        sell, buy, currency = sell.upper(), buy.upper(), currency.upper()
        if sell == buy:
            raise SameCurrency(currency=_safe_code(sell))
        if currency not in (sell, buy):
            raise CurrencyMismatch(
                "the amount is in neither currency of the exchange",
                currency=_safe_code(currency),
            )
        return cls(sell, buy, amount, Side.SELL if currency == sell else Side.BUY)


@dataclass(frozen=True, slots=True)
class Exchange:
    """Exchange at a quote, from the customer's ``sell`` account to their ``buy`` account."""

    idempotency_key: str
    quote_id: UUID
    sell_account_id: UUID
    buy_account_id: UUID

    def fingerprint_fields(self) -> dict[str, str]:
        return {
            "quote_id": str(self.quote_id),
            "sell_account_id": str(self.sell_account_id),
            "buy_account_id": str(self.buy_account_id),
        }


@dataclass(frozen=True, slots=True)
class SetRateOverride:
    """An admin's rate for a pair (1 ``base`` = ``rate`` ``quote``) in ``[from, until)``."""

    base_currency: str
    quote_currency: str
    rate: Decimal
    valid_from: datetime
    valid_until: datetime
    reason: str
