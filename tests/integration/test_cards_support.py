"""Builders for the cards suites (no tests here): verified customers, issued cards, and
authorization requests as a processor sends them."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

from core.accounts.service import AccountView
from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.cards.processing import AuthorizationRequest
from core.cards.views import CardDetails, CardView
from core.customers.model import KycStatus
from core.customers.service import NewCustomer
from core.ledger.commands import Deposit

PROCESSOR = Actor(ActorKind.API_CLIENT, "processor")
AGENT = Actor(ActorKind.API_CLIENT, "flows")


async def verified_account(
    bank: Bank, amount: int = 0, *, name: str = "Ivan Petrov", currency: str = "EUR"
) -> AccountView:
    """A new verified customer's account holding ``amount`` minor units."""
    customer = await bank.customers.create(NewCustomer(name), SYSTEM)
    await bank.customers.set_kyc_status(customer.id, KycStatus.VERIFIED, SYSTEM)
    account = await bank.accounts.open(customer.id, currency, SYSTEM)
    if amount:
        await bank.ledger.deposit(Deposit(uuid4().hex, account.id, amount, currency), SYSTEM)
    return account


async def card_with_details(
    bank: Bank, amount: int = 0, *, tier: str = "digital", name: str = "Ivan Petrov"
) -> tuple[CardView, CardDetails]:
    """A card on a funded account, and its number and CVV (through a reveal)."""
    account = await verified_account(bank, amount, name=name)
    assert account.customer_id is not None
    card = await bank.cards.issue(account.customer_id, account.id, tier, AGENT)
    return card, await details_of(bank, card)


async def details_of(bank: Bank, card: CardView) -> CardDetails:
    token = await bank.cards.create_reveal(card.id, AGENT)
    return await bank.cards.reveal(token.token, AGENT)


def purchase(
    details: CardDetails, amount: int = 1_000, *, reference: str | None = None, **changes: object
) -> AuthorizationRequest:
    """A card-present purchase in a shop, as the processor would send it."""
    request = AuthorizationRequest(
        reference=f"auth-{uuid4().hex[:12]}" if reference is None else reference,
        card_number=details.number,
        expiry_month=details.expiry.month,
        expiry_year=details.expiry.year,
        amount=amount,
        currency="EUR",
        channel="pos",
        mcc="5411",
        merchant_name="Albert Praha",
    )
    return replace(request, **changes)  # type: ignore[arg-type]
