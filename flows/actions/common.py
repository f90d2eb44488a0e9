"""Helpers actions share: amounts as slot values, the customer's accounts, receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from flows.context import ActionContext
from flows.values import exponent
from integrations.bank.receipts import ReceiptFacts, ReceiptKind
from integrations.bank.types import Account, AccountStatus, Amount
from render.documents import Receipt
from render.documents import ReceiptKind as RenderedKind
from render.formatting import Money, money


def amount_slot(minor: int, currency: str) -> dict[str, Any]:
    return {"minor": minor, "currency": currency}


def amount_of(slot: Any) -> Amount:
    return Amount(int(slot["minor"]), str(slot["currency"]))


def rendered_money(minor: int, currency: str) -> Money:
    return Money(minor, currency, exponent(currency))


def shown(ctx: ActionContext, minor: int, currency: str) -> str:
    return money(rendered_money(minor, currency), ctx.language)


def account_slot(account: Account) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "currency": account.currency,
        "name": account.name,
        "last4": account.number[-4:],
    }


async def open_accounts(ctx: ActionContext) -> list[Account]:
    accounts = await ctx.bank.list_accounts(ctx.customer_id)
    return [a for a in accounts if a.status is AccountStatus.OPEN]


def account_title(ctx: ActionContext, account: Account) -> str:
    available = shown(ctx, account.available_minor, account.currency)
    return f"{account.currency} •• {account.number[-4:]} · {available}"


async def send_receipt(
    ctx: ActionContext,
    *,
    kind: str,
    reference: str,
    amount_minor: int,
    currency: str,
    at: datetime,
    fee_minor: int | None = None,
    payee: str | None = None,
    payer: str | None = None,
    bought: tuple[int, str] | None = None,
    rate: Any = None,
    provider_reference: str | None = None,
) -> None:
    """The receipt picture with its verification QR code, into the chat."""
    code = await ctx.bank.seal_receipt(
        ReceiptFacts(reference, ReceiptKind(kind), amount_minor, currency, at)
    )
    verify = f"{ctx.services.settings.base_url}/api/v1/receipts/verify?code={quote(code)}"
    receipt = Receipt(
        kind=RenderedKind(kind),
        amount=rendered_money(amount_minor, currency),
        reference=reference,
        at=at,
        verification=verify,
        fee=None if fee_minor is None else rendered_money(fee_minor, currency),
        payer=payer,
        payee=payee,
        bought=None if bought is None else rendered_money(*bought),
        rate=rate,
        provider_reference=provider_reference,
        language=ctx.language,
        timezone=ctx.services.settings.time_zone,
    )
    picture = await ctx.services.renderer.receipt(receipt)
    await ctx.image(picture.content, ctx.text("receipt.caption"), f"receipt-{reference[:8]}.png")


def uuid_of(value: Any) -> UUID:
    return UUID(str(value))
