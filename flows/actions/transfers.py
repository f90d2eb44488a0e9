"""Sending money: to a Teller card, account (IBAN) or phone number, or to another bank's
card. The preview shows the masked recipient and the fee; the confirmed transfer carries
the idempotency key made when that summary was shown."""

from __future__ import annotations

from typing import Any

from flows.actions.common import amount_of, amount_slot, send_receipt, shown, uuid_of
from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from integrations.bank.errors import NotFound
from integrations.bank.payments import Recipient, RecipientKind, TransferStatus


def _recipient(ctx: ActionContext, slot: dict[str, Any]) -> Recipient:
    kind = slot["kind"]
    if kind == "card":
        return Recipient(RecipientKind.CARD, ctx.services.sealer.unseal(slot["sealed"]))
    if kind == "account":
        return Recipient(RecipientKind.ACCOUNT, str(slot["value"]))
    return Recipient(RecipientKind.PHONE, str(slot["value"]))


def recipient_label(slot: dict[str, Any]) -> str:
    if slot.get("kind") == "card":
        return f"•• {slot['last4']}"
    value = str(slot.get("value", ""))
    return f"•• {value[-4:]}"


@action("preview_transfer")
async def preview_transfer(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    source = uuid_of(args["source"]["id"])
    amount = amount_of(args["amount"])
    recipient = _recipient(ctx, args["recipient"])
    try:
        preview = await ctx.bank.preview_transfer(source, recipient, amount)
    except NotFound as error:
        if recipient.kind is not RecipientKind.CARD or error.code != "CARD_NOT_FOUND":
            raise
        # Not a Teller card: a payout to the other bank's card.
        quote = await ctx.bank.quote_card_payout(source, amount)
        return Outcome(
            data={
                "route": "card_payout",
                "amount": amount_slot(quote.amount_minor, quote.currency),
                "fee": amount_slot(quote.fee_minor, quote.currency),
                "total": amount_slot(quote.total_minor, quote.currency),
                "payee": recipient_label(args["recipient"]),
                "name": "",
            }
        )
    return Outcome(
        data={
            "route": "transfer",
            "amount": amount_slot(preview.amount_minor, preview.currency),
            "fee": amount_slot(preview.fee_minor, preview.currency),
            "total": amount_slot(preview.total_minor, preview.currency),
            "payee": f"•• {preview.recipient.account_last4}",
            "name": preview.recipient.display_name,
        }
    )


@action("send_transfer", money=True, amount_arg="amount", outcomes=("review",))
async def send_transfer(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    preview = args["preview"]
    source = uuid_of(args["source"]["id"])
    amount = amount_of(args["amount"])
    key = ctx.idempotency_key("transfer")
    recipient_slot = args["recipient"]
    if preview["route"] == "card_payout":
        number = ctx.services.sealer.unseal(recipient_slot["sealed"])
        payout = await ctx.bank.send_to_card(
            source,
            number,
            amount,
            idempotency_key=key,
            expected_fee_minor=int(preview["fee"]["minor"]),
        )
        ctx.record("card_payout_sent", payout=str(payout.id))
        await send_receipt(
            ctx,
            kind="transfer",
            reference=str(payout.id),
            amount_minor=payout.amount_minor,
            currency=payout.currency,
            at=payout.created_at,
            fee_minor=payout.fee_minor,
            payee=preview["payee"],
        )
        return Outcome(data={"id": str(payout.id), "status": payout.status.value})
    fee = amount_of(preview["fee"])
    transfer = await ctx.bank.send_transfer(
        source,
        _recipient(ctx, recipient_slot),
        amount,
        description=str(args.get("description") or ctx.text("transfer.description")),
        idempotency_key=key,
        expected_fee=fee,
    )
    ctx.record("transfer_sent", transfer=str(transfer.id), status=transfer.status.value)
    if transfer.status is TransferStatus.PENDING_REVIEW:
        return Outcome("review", {"id": str(transfer.id), "status": transfer.status.value})
    await send_receipt(
        ctx,
        kind="transfer",
        reference=str(transfer.id),
        amount_minor=transfer.amount_minor,
        currency=transfer.currency,
        at=transfer.created_at,
        fee_minor=transfer.fee_minor,
        payee=f"{transfer.recipient.display_name} •• {transfer.recipient.account_last4}",
    )
    return Outcome(data={"id": str(transfer.id), "status": transfer.status.value})


@action("transfer_summary")
async def transfer_summary(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The text values of the confirmation, formatted in the customer's language."""
    preview = args["preview"]
    return Outcome(
        data={
            "amount": shown(ctx, preview["amount"]["minor"], preview["amount"]["currency"]),
            "fee": shown(ctx, preview["fee"]["minor"], preview["fee"]["currency"]),
            "total": shown(ctx, preview["total"]["minor"], preview["total"]["currency"]),
            "to": (f"{preview['name']} " if preview["name"] else "") + preview["payee"],
        }
    )
