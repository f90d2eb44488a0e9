"""``CardsAPI``: the cards part of ``BankAPI`` (a base of the Protocol flows depend on)."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

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


class CardsAPI(Protocol):
    """Virtual debit cards: issue, control, reveal once, find by number, cashback.

    A card is named by its ``id`` (its token) everywhere; the full number and CVV come
    back only from :meth:`reveal_card`. A flow acts for the card's own customer.
    """

    async def issue_card(
        self,
        customer_id: UUID,
        account_id: UUID,
        tier: CardTier = CardTier.DIGITAL,
        *,
        idempotency_key: str | None = None,
    ) -> Card:
        """Issue a virtual debit card on one of the customer's accounts.

        ``Conflict`` with ``KYC_REQUIRED`` until the customer's identity is verified,
        ``CARD_LIMIT_REACHED`` past the bank's cards per customer; ``InvalidRequest``
        (``ACCOUNT_NOT_OWNED``) for someone else's account; ``AccountUnavailable`` for a
        frozen or closed one. With an ``idempotency_key`` a repeated call returns the
        card it first issued.
        """
        ...

    async def list_cards(self, customer_id: UUID) -> list[Card]:
        """The customer's cards, oldest first, blocked ones included."""
        ...

    async def get_card(self, card_id: UUID) -> Card:
        """The card, or ``NotFound`` (``CARD_NOT_FOUND``)."""
        ...

    async def lock_card(self, card_id: UUID) -> Card:
        """Lock the card: every purchase is declined until :meth:`unlock_card`."""
        ...

    async def unlock_card(self, card_id: UUID) -> Card:
        """Unlock a locked card."""
        ...

    async def block_card(self, card_id: UUID, reason: BlockReason) -> Card:
        """Block the card as lost or stolen: final (``Conflict``, ``CARD_BLOCKED``, for
        every later change); :meth:`reissue_card` gives a new one."""
        ...

    async def reissue_card(self, card_id: UUID, *, idempotency_key: str | None = None) -> Card:
        """A new card (new number, no PIN) on the same account for a blocked one.

        ``Conflict``: ``CARD_NOT_BLOCKED`` for a card in use, ``CARD_ALREADY_REISSUED``
        the second time.
        """
        ...

    async def set_card_limits(
        self, card_id: UUID, *, per_transaction: Amount, daily: Amount
    ) -> Card:
        """Set the spending limits, in the card's currency (``CURRENCY_MISMATCH`` if
        not), per transaction at most the daily one, within the bank's maxima
        (``InvalidRequest``, ``VALIDATION_ERROR``)."""
        ...

    async def set_card_channels(self, card_id: UUID, *, online: bool, atm: bool) -> Card:
        """Allow or refuse online purchases and ATM withdrawals."""
        ...

    async def set_card_pin(self, card_id: UUID, pin: str) -> Card:
        """Set the first PIN: 4 to 6 digits (``INVALID_PIN``), not 1111 or 1234
        (``WEAK_PIN``); ``Conflict`` (``PIN_ALREADY_SET``) once there is one."""
        ...

    async def change_card_pin(self, card_id: UUID, current_pin: str, new_pin: str) -> Card:
        """Change the PIN. A wrong current PIN is ``InvalidRequest`` (``WRONG_PIN``,
        ``data["attempts_left"]``); the third in a row blocks it (``Conflict``,
        ``PIN_BLOCKED``) until staff reset it."""
        ...

    async def create_card_reveal(self, card_id: UUID) -> CardRevealToken:
        """A single-use token, valid for minutes, for :meth:`reveal_card` (send it to the
        customer as a secure link; never into a chat transcript)."""
        ...

    async def reveal_card(self, token: str) -> CardDetails:
        """The card's number, expiry, CVV and holder, once per token: ``NotFound``
        (``REVEAL_TOKEN_NOT_FOUND``) for an unknown token, ``Conflict`` for a used
        (``REVEAL_TOKEN_USED``) or expired (``REVEAL_TOKEN_EXPIRED``) one."""
        ...

    async def find_card_by_number(self, card_number: str) -> CardRecipient:
        """Whose Teller card ``card_number`` is, for a transfer to it: the account and a
        masked name. ``InvalidRequest`` (``INVALID_CARD_NUMBER``) if it fails the Luhn
        check; ``NotFound`` (``CARD_NOT_FOUND``) for another bank's card or a blocked one.
        """
        ...

    async def list_card_authorizations(
        self, card_id: UUID, *, limit: int = 50
    ) -> list[CardAuthorization]:
        """The card's recent purchases and declines, newest first (``limit`` 1–500)."""
        ...

    async def get_card_cashback(self, card_id: UUID, month: str | None = None) -> CashbackSummary:
        """The card's cashback for ``month`` (``YYYY-MM``; this month when None)."""
        ...

    async def get_bank_details(self, account_id: UUID) -> BankDetails:
        """Holder, IBAN and BIC for transfers into a customer's account from other banks."""
        ...
