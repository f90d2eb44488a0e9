"""Transfers by card number: the payments area's recipient resolver for Teller cards."""

from __future__ import annotations

from dataclasses import replace

from core.accounts.service import AccountService
from core.cards.errors import CardNotFound
from core.cards.service import CardService
from core.customers.service import CustomerService
from core.payments.errors import RecipientNotFound
from core.payments.model import RecipientKind
from core.payments.recipients import Recipient, recipient_of


class CardNumberResolver:
    """The account behind a Teller card, found through the vault's keyed hash of the
    number (never by decrypting); the confirmation shows the card's last four digits."""

    kind = RecipientKind.CARD.value

    def __init__(
        self, cards: CardService, accounts: AccountService, customers: CustomerService
    ) -> None:
        self._cards = cards
        self._accounts = accounts
        self._customers = customers

    async def resolve(self, value: str, currency: str) -> Recipient:
        try:
            card = await self._cards.resolve_number(value)
        except CardNotFound:
            raise RecipientNotFound() from None
        account = await self._accounts.get(card.account_id)
        recipient = await recipient_of(self._customers, account, currency, self.kind)
        return replace(recipient, account_last4=card.last4)
