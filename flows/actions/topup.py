"""Topping an account up from a card of another bank.

The summary shows the fee quoted for the amount; the confirmed top-up opens the
acquirer's hosted page (the card number is typed there, never in chat) under the
idempotency key made when that summary was shown, so a repeated confirmation sends the
same page again rather than opening a second one. The result reaches the customer later,
when the acquirer's callback has been processed (``notify.topup_succeeded`` and
``notify.topup_failed``, sent by the notification relay), or on asking with the
"Check payment" button.
"""

from __future__ import annotations

from typing import Any

from flows.actions.common import amount_of, amount_slot, shown, uuid_of
from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from integrations.bank.errors import NotFound
from integrations.bank.moneyio import TopUpStatus


@action("quote_topup")
async def quote_topup(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The amount, fee and total the card will be charged, for the summary."""
    quote = await ctx.bank.quote_topup(uuid_of(args["account"]["id"]), amount_of(args["amount"]))
    return Outcome(
        data={
            "amount": amount_slot(quote.amount_minor, quote.currency),
            "fee": amount_slot(quote.fee_minor, quote.currency),
            "total": amount_slot(quote.total_minor, quote.currency),
        }
    )


@action("start_topup", money=True, outcomes=("no_page",))
async def start_topup(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Open the hosted payment page and send its link."""
    quote = args["quote"]
    topup = await ctx.bank.start_topup(
        uuid_of(args["account"]["id"]),
        amount_of(quote["amount"]),
        return_url=f"{ctx.services.settings.base_url}/webchat",
        idempotency_key=ctx.idempotency_key("topup"),
        expected_fee_minor=int(quote["fee"]["minor"]),
    )
    ctx.record("topup_started", topup=str(topup.id), status=topup.status.value)
    if topup.payment_url is None or topup.status is not TopUpStatus.AWAITING_PAYMENT:
        return Outcome("no_page", {"id": str(topup.id)})
    ctx.link(
        topup.payment_url,
        "top_up.pay_here",
        "top_up.pay_title",
        total=shown(ctx, topup.total_minor, topup.currency),
    )
    return Outcome(data={"id": str(topup.id)})


@action("topup_status", outcomes=("completed", "waiting", "failed", "unknown"))
async def topup_status(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Where a top-up of this customer's stands (the "Check payment" button)."""
    try:
        topup = await ctx.bank.get_topup(uuid_of(args["topup"]))
    except (NotFound, ValueError):
        return Outcome("unknown")
    if topup.customer_id != ctx.customer_id:
        return Outcome("unknown")  # not theirs: say nothing about it
    data = {"amount": shown(ctx, topup.amount_minor, topup.currency)}
    if topup.status is TopUpStatus.COMPLETED:
        return Outcome("completed", data)
    if topup.status in (TopUpStatus.FAILED, TopUpStatus.EXPIRED):
        return Outcome("failed", data)
    ctx.buttons(
        "top_up.waiting",
        [
            (ctx.text("top_up.check"), f"flow:topup_status:{topup.id}"),
            (ctx.text("common.menu"), "cmd:menu"),
        ],
        **data,
    )
    return Outcome("waiting", data)


@action("topup_links")
async def topup_links(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The buttons under "pay on the page": check the payment, or go to the menu."""
    ctx.buttons(
        "top_up.after_link",
        [
            (ctx.text("top_up.check"), f"flow:topup_status:{args['topup']}"),
            (ctx.text("common.menu"), "cmd:menu"),
        ],
    )
    return Outcome()
