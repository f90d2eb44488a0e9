"""``HttpCards``: the cards part of ``HttpBank``, over the core's REST API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from integrations.bank import checks, wire
from integrations.bank.cards import checks as card_checks
from integrations.bank.cards.types import (
    BankDetails,
    BlockReason,
    Card,
    CardAuthorization,
    CardDetails,
    CardRecipient,
    CardRevealToken,
    CardTier,
    CashbackSummary,
)
from integrations.bank.types import Amount


class HttpCards:
    """Mixin for ``HttpBank``: each call is one request through its ``_call`` (retries,
    problem+json → ``BankError``)."""

    _call: Callable[..., Awaitable[object]]  # HttpBank's

    async def issue_card(
        self,
        customer_id: UUID,
        account_id: UUID,
        tier: CardTier = CardTier.DIGITAL,
        *,
        idempotency_key: str | None = None,
    ) -> Card:
        """See :meth:`CardsAPI.issue_card`."""
        body = {"account_id": str(account_id), "tier": card_checks.check_tier(tier)}
        key = None if idempotency_key is None else checks.check_key(idempotency_key)
        path = f"/customers/{customer_id}/cards"
        return wire.parse(Card, await self._call("POST", path, json=body, key=key))

    async def list_cards(self, customer_id: UUID) -> list[Card]:
        """See :meth:`CardsAPI.list_cards`."""
        return wire.parse_list(Card, await self._call("GET", f"/customers/{customer_id}/cards"))

    async def get_card(self, card_id: UUID) -> Card:
        """See :meth:`CardsAPI.get_card`."""
        return wire.parse(Card, await self._call("GET", f"/cards/{card_id}"))

    async def lock_card(self, card_id: UUID) -> Card:
        """See :meth:`CardsAPI.lock_card`."""
        return wire.parse(Card, await self._call("POST", f"/cards/{card_id}/lock"))

    async def unlock_card(self, card_id: UUID) -> Card:
        """See :meth:`CardsAPI.unlock_card`."""
        return wire.parse(Card, await self._call("POST", f"/cards/{card_id}/unlock"))

    async def block_card(self, card_id: UUID, reason: BlockReason) -> Card:
        """See :meth:`CardsAPI.block_card`."""
        body = {"reason": card_checks.check_block_reason(reason)}
        return wire.parse(Card, await self._call("POST", f"/cards/{card_id}/block", json=body))

    async def reissue_card(self, card_id: UUID, *, idempotency_key: str | None = None) -> Card:
        """See :meth:`CardsAPI.reissue_card`."""
        key = None if idempotency_key is None else checks.check_key(idempotency_key)
        return wire.parse(Card, await self._call("POST", f"/cards/{card_id}/reissue", key=key))

    async def set_card_limits(
        self, card_id: UUID, *, per_transaction: Amount, daily: Amount
    ) -> Card:
        """See :meth:`CardsAPI.set_card_limits`."""
        card = await self.get_card(card_id)
        per_transaction_minor, daily_minor = card_checks.check_limits(card, per_transaction, daily)
        body = {
            "per_transaction_limit_minor": per_transaction_minor,
            "daily_limit_minor": daily_minor,
        }
        return wire.parse(Card, await self._call("PUT", f"/cards/{card_id}/limits", json=body))

    async def set_card_channels(self, card_id: UUID, *, online: bool, atm: bool) -> Card:
        """See :meth:`CardsAPI.set_card_channels`."""
        body = {"online_enabled": online, "atm_enabled": atm}
        return wire.parse(Card, await self._call("PUT", f"/cards/{card_id}/channels", json=body))

    async def set_card_pin(self, card_id: UUID, pin: str) -> Card:
        """See :meth:`CardsAPI.set_card_pin`."""
        body = {"pin": card_checks.check_pin(pin)}
        return wire.parse(Card, await self._call("PUT", f"/cards/{card_id}/pin", json=body))

    async def change_card_pin(self, card_id: UUID, current_pin: str, new_pin: str) -> Card:
        """See :meth:`CardsAPI.change_card_pin`."""
        body = {
            "current_pin": card_checks.check_pin(current_pin),
            "new_pin": card_checks.check_pin(new_pin),
        }
        path = f"/cards/{card_id}/pin/change"
        return wire.parse(Card, await self._call("POST", path, json=body))

    async def create_card_reveal(self, card_id: UUID) -> CardRevealToken:
        """See :meth:`CardsAPI.create_card_reveal`."""
        answer = await self._call("POST", f"/cards/{card_id}/reveal-tokens")
        return wire.parse(CardRevealToken, answer)

    async def reveal_card(self, token: str) -> CardDetails:
        """See :meth:`CardsAPI.reveal_card`."""
        body = {"token": card_checks.check_token(token)}
        return wire.parse(CardDetails, await self._call("POST", "/cards/reveal", json=body))

    async def find_card_by_number(self, card_number: str) -> CardRecipient:
        """See :meth:`CardsAPI.find_card_by_number`."""
        body = {"card_number": card_checks.check_card_number(card_number)}
        return wire.parse(CardRecipient, await self._call("POST", "/cards/lookup", json=body))

    async def list_card_authorizations(
        self, card_id: UUID, *, limit: int = 50
    ) -> list[CardAuthorization]:
        """See :meth:`CardsAPI.list_card_authorizations`."""
        path = f"/cards/{card_id}/authorizations"
        answer = await self._call("GET", path, params={"limit": limit})
        return wire.parse_list(CardAuthorization, answer)

    async def get_card_cashback(self, card_id: UUID, month: str | None = None) -> CashbackSummary:
        """See :meth:`CardsAPI.get_card_cashback`."""
        params = {} if month is None else {"month": month}
        answer = await self._call("GET", f"/cards/{card_id}/cashback", params=params)
        return wire.parse(CashbackSummary, answer)

    async def get_bank_details(self, account_id: UUID) -> BankDetails:
        """See :meth:`CardsAPI.get_bank_details`."""
        answer = await self._call("GET", f"/accounts/{account_id}/bank-details")
        return wire.parse(BankDetails, answer)
