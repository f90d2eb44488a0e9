"""``LocalMoneyIo``: :class:`~integrations.bank.moneyio.MoneyIoAPI` for ``LocalBank``, over
the core's top-ups and card payouts in this process. Core views become the wrapper's
types here.

Kept apart from :mod:`integrations.bank.moneyio` so that importing the Protocol never
imports the core.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from core.actors import Actor
from core.bank import Bank
from core.cardmoney.model import PayoutView, Quote, TopUpView
from core.cardmoney.payouts import PayoutRequest
from core.cardmoney.topups import TopUpRequest
from integrations.bank import checks
from integrations.bank.moneyio import (
    CardPayout,
    CardPayoutStatus,
    CardQuote,
    TopUp,
    TopUpStatus,
    check_card_shape,
    check_expected_fee,
)
from integrations.bank.types import Amount


@contextmanager
def _translated() -> Iterator[None]:
    # LocalBank's own translation; imported when used, since local.py imports this module.
    from integrations.bank.local import _translated as translated

    with translated():
        yield


def quote_of(q: Quote) -> CardQuote:
    return CardQuote(q.amount, q.fee, q.total, q.currency)


def topup_of(v: TopUpView) -> TopUp:
    return TopUp(
        id=v.id,
        customer_id=v.customer_id,
        account_id=v.account_id,
        amount_minor=v.amount,
        fee_minor=v.fee,
        total_minor=v.total,
        currency=v.currency,
        status=TopUpStatus(v.status.value),
        payment_url=v.payment_url,
        card_last4=v.card_last4,
        card_brand=v.card_brand,
        entry_id=v.entry_id,
        failure_reason=v.failure_reason,
        expires_at=v.expires_at,
        created_at=v.created_at,
    )


def payout_of(v: PayoutView) -> CardPayout:
    return CardPayout(
        id=v.id,
        customer_id=v.customer_id,
        account_id=v.account_id,
        amount_minor=v.amount,
        fee_minor=v.fee,
        total_minor=v.total,
        currency=v.currency,
        status=CardPayoutStatus(v.status.value),
        card_last4=v.card_last4,
        card_brand=v.card_brand,
        description=v.description,
        failure_reason=v.failure_reason,
        created_at=v.created_at,
        updated_at=v.updated_at,
    )


class LocalMoneyIo:
    """:class:`MoneyIoAPI` for ``LocalBank`` (a mixin: it uses ``_bank`` and ``_actor``)."""

    _bank: Bank
    _actor: Actor

    async def quote_topup(self, account_id: UUID, amount: Amount) -> CardQuote:
        """See :meth:`MoneyIoAPI.quote_topup`."""
        checks.check_amount(amount)
        with _translated():
            topups = self._bank.cardmoney.topups
            return quote_of(await topups.quote(account_id, amount.minor, amount.currency))

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
        key, amount = checks.check_key(idempotency_key), checks.check_amount(amount)
        check_expected_fee(expected_fee_minor)
        request = TopUpRequest(
            account_id, amount.minor, amount.currency, return_url, expected_fee_minor
        )
        with _translated():
            return topup_of(await self._bank.cardmoney.topups.start(request, key, self._actor))

    async def get_topup(self, topup_id: UUID) -> TopUp:
        """See :meth:`MoneyIoAPI.get_topup`."""
        with _translated():
            return topup_of(await self._bank.cardmoney.topups.get(topup_id))

    async def quote_card_payout(self, account_id: UUID, amount: Amount) -> CardQuote:
        """See :meth:`MoneyIoAPI.quote_card_payout`."""
        checks.check_amount(amount)
        with _translated():
            payouts = self._bank.cardmoney.payouts
            return quote_of(await payouts.quote(account_id, amount.minor, amount.currency))

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
        key, amount = checks.check_key(idempotency_key), checks.check_amount(amount)
        check_card_shape(card_number)
        check_expected_fee(expected_fee_minor)
        request = PayoutRequest(
            account_id, card_number, amount.minor, amount.currency, description, expected_fee_minor
        )
        with _translated():
            return payout_of(await self._bank.cardmoney.payouts.send(request, key, self._actor))

    async def get_card_payout(self, payout_id: UUID) -> CardPayout:
        """See :meth:`MoneyIoAPI.get_card_payout`."""
        with _translated():
            return payout_of(await self._bank.cardmoney.payouts.get(payout_id))
