"""``LocalCards``: the cards part of ``LocalBank``, in-process over ``bank.cards``.

Not imported by ``integrations.bank.cards`` itself: importing the Protocol and types
must never pull in the core (flows depend on them), while this module is the core's
edge.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy.exc import InterfaceError, OperationalError

from core.actors import Actor
from core.bank import Bank
from core.cards import views
from core.cards.model import month_of
from core.errors import CoreError
from integrations.bank import checks
from integrations.bank.cards import checks as card_checks
from integrations.bank.cards.types import (
    BankDetails,
    BlockReason,
    Card,
    CardAuthorization,
    CardDetails,
    CardRecipient,
    CardRevealToken,
    CardStatus,
    CardTier,
    CashbackSummary,
)
from integrations.bank.errors import UNAVAILABLE, BankUnavailable, from_code
from integrations.bank.types import Amount

log = logging.getLogger(__name__)


@contextmanager
def _translated() -> Iterator[None]:
    """``LocalBank``'s translation of core errors (``local._translated``, which this module
    cannot import: ``local`` imports it to build ``LocalBank``)."""
    try:
        yield
    except CoreError as exc:
        data = {
            k: v if isinstance(v, int | str | bool | None) else str(v) for k, v in exc.data.items()
        }
        raise from_code(exc.code, exc.message, data, status=exc.http_status) from exc
    except (OperationalError, InterfaceError, OSError) as exc:
        log.warning("the bank's database failed: %s", type(exc).__name__)
        raise BankUnavailable(UNAVAILABLE, "The bank's database is not available.") from exc


def card_of(v: views.CardView) -> Card:
    return Card(
        id=v.id,
        customer_id=v.customer_id,
        account_id=v.account_id,
        tier=CardTier(v.tier.value),
        tier_name=v.tier.display_name,
        status=CardStatus(v.status.value),
        block_reason=None if v.block_reason is None else BlockReason(v.block_reason.value),
        last4=v.last4,
        expiry_month=v.expiry.month,
        expiry_year=v.expiry.year,
        currency=v.currency,
        per_transaction_limit_minor=v.per_transaction_limit,
        daily_limit_minor=v.daily_limit,
        online_enabled=v.online_enabled,
        atm_enabled=v.atm_enabled,
        pin_set=v.pin_set,
        pin_blocked=v.pin_blocked,
        replaces_card_id=v.replaces_card_id,
        created_at=v.created_at,
    )


def authorization_of(v: views.AuthorizationView) -> CardAuthorization:
    return CardAuthorization(
        id=v.id,
        card_id=v.card_id,
        approved=v.approved,
        status=v.status.value,
        decline_reason=None if v.decline_reason is None else v.decline_reason.value,
        amount_minor=v.amount,
        currency=v.currency,
        channel=v.channel.value,
        mcc=v.mcc,
        merchant_name=v.merchant_name,
        cleared_amount_minor=v.cleared_amount,
        created_at=v.created_at,
    )


class LocalCards:
    """Mixin for ``LocalBank``: ``bank.cards`` as ``LocalBank``'s actor."""

    _bank: Bank
    _actor: Actor

    async def issue_card(
        self,
        customer_id: UUID,
        account_id: UUID,
        tier: CardTier = CardTier.DIGITAL,
        *,
        idempotency_key: str | None = None,
    ) -> Card:
        """See :meth:`CardsAPI.issue_card`."""
        value = card_checks.check_tier(tier)
        key = None if idempotency_key is None else checks.check_key(idempotency_key)
        with _translated():
            card = await self._bank.cards.issue(
                customer_id, account_id, value, self._actor, idempotency_key=key
            )
            return card_of(card)

    async def list_cards(self, customer_id: UUID) -> list[Card]:
        """See :meth:`CardsAPI.list_cards`."""
        with _translated():
            return [card_of(c) for c in await self._bank.cards.for_customer(customer_id)]

    async def get_card(self, card_id: UUID) -> Card:
        """See :meth:`CardsAPI.get_card`."""
        with _translated():
            return card_of(await self._bank.cards.get(card_id))

    async def lock_card(self, card_id: UUID) -> Card:
        """See :meth:`CardsAPI.lock_card`."""
        with _translated():
            return card_of(await self._bank.cards.lock(card_id, self._actor))

    async def unlock_card(self, card_id: UUID) -> Card:
        """See :meth:`CardsAPI.unlock_card`."""
        with _translated():
            return card_of(await self._bank.cards.unlock(card_id, self._actor))

    async def block_card(self, card_id: UUID, reason: BlockReason) -> Card:
        """See :meth:`CardsAPI.block_card`."""
        value = card_checks.check_block_reason(reason)
        with _translated():
            return card_of(await self._bank.cards.block(card_id, value, self._actor))

    async def reissue_card(self, card_id: UUID, *, idempotency_key: str | None = None) -> Card:
        """See :meth:`CardsAPI.reissue_card`."""
        key = None if idempotency_key is None else checks.check_key(idempotency_key)
        with _translated():
            card = await self._bank.cards.reissue(card_id, self._actor, idempotency_key=key)
            return card_of(card)

    async def set_card_limits(
        self, card_id: UUID, *, per_transaction: Amount, daily: Amount
    ) -> Card:
        """See :meth:`CardsAPI.set_card_limits`."""
        card = await self.get_card(card_id)
        per_transaction_minor, daily_minor = card_checks.check_limits(card, per_transaction, daily)
        with _translated():
            changed = await self._bank.cards.set_limits(
                card_id, per_transaction_minor, daily_minor, self._actor
            )
            return card_of(changed)

    async def set_card_channels(self, card_id: UUID, *, online: bool, atm: bool) -> Card:
        """See :meth:`CardsAPI.set_card_channels`."""
        with _translated():
            changed = await self._bank.cards.set_channels(
                card_id, online=online, atm=atm, actor=self._actor
            )
            return card_of(changed)

    async def set_card_pin(self, card_id: UUID, pin: str) -> Card:
        """See :meth:`CardsAPI.set_card_pin`."""
        card_checks.check_pin(pin)
        with _translated():
            return card_of(await self._bank.cards.set_pin(card_id, pin, self._actor))

    async def change_card_pin(self, card_id: UUID, current_pin: str, new_pin: str) -> Card:
        """See :meth:`CardsAPI.change_card_pin`."""
        card_checks.check_pin(current_pin)
        card_checks.check_pin(new_pin)
        with _translated():
            changed = await self._bank.cards.change_pin(card_id, current_pin, new_pin, self._actor)
            return card_of(changed)

    async def create_card_reveal(self, card_id: UUID) -> CardRevealToken:
        """See :meth:`CardsAPI.create_card_reveal`."""
        with _translated():
            made = await self._bank.cards.create_reveal(card_id, self._actor)
            return CardRevealToken(made.token, made.card_id, made.expires_at)

    async def reveal_card(self, token: str) -> CardDetails:
        """See :meth:`CardsAPI.reveal_card`."""
        card_checks.check_token(token)
        with _translated():
            shown = await self._bank.cards.reveal(token, self._actor)
            return CardDetails(
                card_id=shown.card_id,
                number=shown.number,
                expiry_month=shown.expiry.month,
                expiry_year=shown.expiry.year,
                cvv=shown.cvv,
                holder_name=shown.holder_name,
            )

    async def find_card_by_number(self, card_number: str) -> CardRecipient:
        """See :meth:`CardsAPI.find_card_by_number`."""
        card_checks.check_card_number(card_number)
        with _translated():
            found = await self._bank.cards.resolve_number(card_number)
            return CardRecipient(
                card_id=found.card_id,
                account_id=found.account_id,
                customer_id=found.customer_id,
                holder_name=found.holder_name,
                last4=found.last4,
                currency=found.currency,
            )

    async def list_card_authorizations(
        self, card_id: UUID, *, limit: int = 50
    ) -> list[CardAuthorization]:
        """See :meth:`CardsAPI.list_card_authorizations`."""
        with _translated():
            found = await self._bank.cards.processing.for_card(card_id, limit=limit)
            return [authorization_of(a) for a in found]

    async def get_card_cashback(self, card_id: UUID, month: str | None = None) -> CashbackSummary:
        """See :meth:`CardsAPI.get_card_cashback`."""
        with _translated():
            chosen = month or month_of(self._bank.clock.now())
            summary = await self._bank.cards.cashback.summary(card_id, chosen)
            return CashbackSummary(
                card_id=summary.card_id,
                month=summary.month,
                currency=summary.currency,
                accrued_minor=summary.accrued,
                purchases=summary.purchases,
                paid=summary.paid,
            )

    async def get_bank_details(self, account_id: UUID) -> BankDetails:
        """See :meth:`CardsAPI.get_bank_details`."""
        with _translated():
            details = await self._bank.cards.bank_details(account_id)
            return BankDetails(
                account_id=details.account_id,
                holder_name=details.holder_name,
                iban=details.iban,
                bic=details.bic,
                bank_name=details.bank_name,
                currency=details.currency,
            )
