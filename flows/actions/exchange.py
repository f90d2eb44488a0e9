"""Exchanging money between the customer's accounts in different currencies.

The customer picks the account to sell from and the account to receive into — or a new
account in a currency they do not hold yet, opened only when they confirm (decision
0062). The quote locks a price for the bank's lock time; the summary shows the rate and
until when it holds. The confirmed exchange carries the quote's id and the idempotency
key made when that summary was shown: a repeated confirmation exchanges once, and an
expired quote is explained and replaced by a fresh one only when the customer asks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_time

from flows.actions.common import (
    account_slot,
    account_title,
    amount_of,
    amount_slot,
    open_accounts,
    send_receipt,
    shown,
    uuid_of,
)
from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from integrations.bank.errors import BankError
from integrations.bank.payments import Operation
from render.formatting import babel_locale, moment, rate

# Currencies a customer may open a new account in while exchanging, when the bank quotes
# them against the account sold from (the bank's own list decides in the end).
NEW_ACCOUNT_CURRENCIES = ("EUR", "CZK", "USD", "GBP", "PLN")


@action("exchange_source", outcomes=("one", "many", "none"))
async def exchange_source(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The account to sell from: asked about when there are several with money on them."""
    accounts = [a for a in await open_accounts(ctx) if a.available_minor > 0]
    if not accounts:
        return Outcome("none")
    if len(accounts) == 1:
        return Outcome("one", account_slot(accounts[0]))
    return Outcome("many")


async def _targets(ctx: ActionContext) -> list[dict[str, Any]]:
    sold = str(ctx.slots["source"]["currency"])
    accounts = await open_accounts(ctx)
    held = {a.currency for a in accounts}
    options: list[dict[str, Any]] = [
        {"title": account_title(ctx, a), "value": str(a.id)}
        for a in accounts
        if a.currency != sold
    ]
    for currency in NEW_ACCOUNT_CURRENCIES:
        if currency in held or currency == sold:
            continue
        try:
            await ctx.bank.get_exchange_rate(sold, currency)
        except BankError:
            continue  # a currency this bank does not quote (or not now)
        title = ctx.text("exchange.new_account", currency=currency)
        options.append({"title": title, "value": f"new:{currency}"})
    return options


@action("exchange_targets", outcomes=("none",))
async def exchange_targets(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Whether there is anything to exchange the chosen account into."""
    return Outcome() if await _targets(ctx) else Outcome("none")


@action("exchange_target_options")
async def exchange_target_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The customer's accounts in other currencies, then new accounts in currencies the
    bank can quote against the account sold from."""
    return Outcome(data=await _targets(ctx))


@action("exchange_target_chosen")
async def exchange_target_chosen(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The slot form of the chosen target: an account, or a currency to open one in."""
    chosen = str(args["target"])
    if chosen.startswith("new:"):
        currency = chosen[4:]
        return Outcome(data={"id": None, "currency": currency, "new": True, "last4": ""})
    account = await ctx.bank.get_account(uuid_of(chosen))
    if account.customer_id != ctx.customer_id:
        return Outcome("ACCOUNT_NOT_FOUND")
    return Outcome(data=account_slot(account))


@action("quote_exchange")
async def quote_exchange(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Lock a price: what is sold, what is received, the rate and until when it holds."""
    source, target = args["source"], args["target"]
    quote = await ctx.bank.quote_exchange(
        str(source["currency"]), str(target["currency"]), amount_of(args["amount"])
    )
    zone = ZoneInfo(ctx.services.settings.time_zone)
    seconds = max(0, int((quote.expires_at - ctx.now()).total_seconds()))
    return Outcome(
        data={
            "id": str(quote.id),
            "sell": amount_slot(quote.sell_amount_minor, quote.sell_currency),
            "buy": amount_slot(quote.buy_amount_minor, quote.buy_currency),
            "rate": rate(quote.rate, ctx.language),
            "expires_at": quote.expires_at.isoformat(),
            "seconds": seconds,
            "until": _clock_time(quote.expires_at.astimezone(zone), ctx.language),
        }
    )


def _clock_time(at: datetime, language: str) -> str:
    return format_time(at, "medium", locale=babel_locale(language))


@action("exchange_money", money=True, amount_arg="sell")
async def exchange_money(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Exchange at the confirmed quote, opening the new account first if one was chosen."""
    quote = args["quote"]
    source, target = args["source"], args["target"]
    if target.get("new"):
        opened = await ctx.bank.open_account(
            ctx.customer_id,
            str(target["currency"]),
            idempotency_key=ctx.idempotency_key("open-account"),
        )
        target = account_slot(opened)
        ctx.slots["target"] = target  # a fresh quote after this must not open another
        ctx.record("account_opened", account=str(opened.id), currency=opened.currency)
    done = await ctx.bank.exchange(
        uuid_of(quote["id"]),
        uuid_of(source["id"]),
        uuid_of(target["id"]),
        idempotency_key=ctx.idempotency_key("exchange"),
    )
    ctx.record("exchanged", exchange=str(done.id), status=done.status.value)
    await send_receipt(
        ctx,
        kind="exchange",
        reference=str(done.id),
        amount_minor=done.sell_amount_minor,
        currency=done.sell_currency,
        at=done.created_at,
        bought=(done.buy_amount_minor, done.buy_currency),
        rate=done.rate,
    )
    return Outcome(
        data={
            "id": str(done.id),
            "sold": shown(ctx, done.sell_amount_minor, done.sell_currency),
            "bought": shown(ctx, done.buy_amount_minor, done.buy_currency),
            "last4": target["last4"],
        }
    )


@action("exchange_paused", outcomes=("paused",))
async def exchange_paused(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Whether an admin switch stops exchange in either currency; if so, why and until
    when, as staff wrote when they switched it off (``paused``)."""
    currencies = [str(args["source"]["currency"]), str(args["target"]["currency"])]
    for currency in currencies:
        status = await ctx.bank.operation_status(Operation.EXCHANGE, currency)
        if status.enabled:
            continue
        reason = (status.reason or "").strip()[:200] or ctx.text("exchange.no_reason")
        if status.until is not None:
            when = moment(status.until, ctx.services.settings.time_zone, ctx.language)
            ctx.say("exchange.paused_until", reason=reason, until=when)
        else:
            ctx.say("exchange.paused", reason=reason)
        return Outcome("paused")
    if args.get("refused"):
        ctx.say("errors.OPERATION_DISABLED")  # refused, yet no switch now: it just ended
    return Outcome()
