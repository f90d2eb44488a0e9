"""``HttpMoneyIo``: :class:`~integrations.bank.moneyio.MoneyIoAPI` for ``HttpBank``, over
the core's REST API (``/topups``, ``/card-payouts``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from integrations.bank import checks, wire
from integrations.bank.moneyio import (
    CardPayout,
    CardQuote,
    TopUp,
    check_card_shape,
    check_expected_fee,
)
from integrations.bank.types import Amount


def _amount(account_id: UUID, amount: Amount) -> dict[str, Any]:
    checks.check_amount(amount)
    return {
        "account_id": str(account_id),
        "amount_minor": amount.minor,
        "currency": amount.currency,
    }


class HttpMoneyIo:
    """:class:`MoneyIoAPI` for ``HttpBank`` (a mixin: it uses ``HttpBank._call``)."""

    if TYPE_CHECKING:

        async def _call(
            self,
            method: str,
            path: str,
            *,
            json: dict[str, Any] | None = None,
            params: dict[str, str | int] | None = None,
            key: str | None = None,
        ) -> object: ...

    async def quote_topup(self, account_id: UUID, amount: Amount) -> CardQuote:
        """See :meth:`MoneyIoAPI.quote_topup`."""
        body = _amount(account_id, amount)
        return wire.parse(CardQuote, await self._call("POST", "/topups/quote", json=body))

    async def start_topup(
        self,
        account_id: UUID,
        amount: Amount,
        *,
        return_url: str,
        idempotency_key: str,
        expected_fee_minor: int | None = None,
    ) -> TopUp:
        """See :meth:`MoneyIoAPI.start_topup`."""
        key = checks.check_key(idempotency_key)
        check_expected_fee(expected_fee_minor)
        body = {
            **_amount(account_id, amount),
            "return_url": return_url,
            "expected_fee_minor": expected_fee_minor,
        }
        return wire.parse(TopUp, await self._call("POST", "/topups", json=body, key=key))

    async def get_topup(self, topup_id: UUID) -> TopUp:
        """See :meth:`MoneyIoAPI.get_topup`."""
        return wire.parse(TopUp, await self._call("GET", f"/topups/{topup_id}"))

    async def quote_card_payout(self, account_id: UUID, amount: Amount) -> CardQuote:
        """See :meth:`MoneyIoAPI.quote_card_payout`."""
        body = _amount(account_id, amount)
        return wire.parse(CardQuote, await self._call("POST", "/card-payouts/quote", json=body))

    async def send_to_card(
        self,
        account_id: UUID,
        card_number: str,
        amount: Amount,
        *,
        idempotency_key: str,
        description: str = "Transfer to card",
        expected_fee_minor: int | None = None,
    ) -> CardPayout:
        """See :meth:`MoneyIoAPI.send_to_card`."""
        key = checks.check_key(idempotency_key)
        check_card_shape(card_number)
        check_expected_fee(expected_fee_minor)
        body = {
            **_amount(account_id, amount),
            "card_number": card_number,
            "description": description,
            "expected_fee_minor": expected_fee_minor,
        }
        return wire.parse(
            CardPayout, await self._call("POST", "/card-payouts", json=body, key=key)
        )

    async def get_card_payout(self, payout_id: UUID) -> CardPayout:
        """See :meth:`MoneyIoAPI.get_card_payout`."""
        return wire.parse(CardPayout, await self._call("GET", f"/card-payouts/{payout_id}"))
