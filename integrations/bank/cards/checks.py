"""Argument checks both card implementations run before calling the bank.

Codes the error classes do not list take the HTTP status the core gives them, as
``from_code`` does for both paths.

As ``integrations.bank.checks`` does for money: where the REST API's schema and the core
would judge an argument with different codes, the wrapper judges it first, identically.
"""

from __future__ import annotations

from integrations.bank.cards.types import BlockReason, Card, CardTier
from integrations.bank.checks import check_amount
from integrations.bank.errors import from_code
from integrations.bank.types import Amount

MAX_PIN = 6
MAX_CARD_NUMBER = 32
MAX_TOKEN = 128


def check_tier(tier: CardTier | str) -> str:
    try:
        return CardTier(tier).value
    except ValueError:
        raise from_code(
            "VALIDATION_ERROR", "a card tier is digital or standard", {"field": "tier"}
        ) from None


def check_block_reason(reason: BlockReason | str) -> str:
    try:
        return BlockReason(reason).value
    except ValueError:
        raise from_code(
            "VALIDATION_ERROR", "a card is blocked as lost or stolen", {"field": "reason"}
        ) from None


def check_pin(pin: str) -> str:
    """Longer than any PIN: the core's code, before the API's length limit answers."""
    if len(pin) > MAX_PIN:
        raise from_code("INVALID_PIN", "A PIN is 4 to 6 digits.", status=422)
    return pin


def check_card_number(number: str) -> str:
    if len(number) > MAX_CARD_NUMBER:
        raise from_code("INVALID_CARD_NUMBER", "This is not a valid card number.", status=422)
    return number


def check_token(token: str) -> str:
    if not 0 < len(token) <= MAX_TOKEN:
        raise from_code(
            "REVEAL_TOKEN_NOT_FOUND", "This link to the card's details is not valid.", status=404
        )
    return token


def check_limits(card: Card, per_transaction: Amount, daily: Amount) -> tuple[int, int]:
    """Positive amounts in the card's currency, as minor units."""
    for amount in (per_transaction, daily):
        check_amount(amount)
        if amount.currency != card.currency:
            raise from_code(
                "CURRENCY_MISMATCH",
                "The amounts are in different currencies.",
                {
                    "card_id": str(card.id),
                    "card_currency": card.currency,
                    "currency": amount.currency,
                },
            )
    return per_transaction.minor, daily.minor
