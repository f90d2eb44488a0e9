"""Balances and statements."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flows.actions.common import (
    account_slot,
    account_title,
    open_accounts,
    rendered_money,
    shown,
    uuid_of,
)
from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from render.documents import Statement, StatementLine


@action("show_balances", outcomes=("no_accounts",))
async def show_balances(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    accounts = await open_accounts(ctx)
    if not accounts:
        return Outcome("no_accounts")
    lines = []
    for account in accounts:
        line = ctx.text(
            "balance.line",
            currency=account.currency,
            last4=account.number[-4:],
            available=shown(ctx, account.available_minor, account.currency),
        )
        if account.held_minor:
            line += " " + ctx.text(
                "balance.held", held=shown(ctx, account.held_minor, account.currency)
            )
        lines.append(line)
    ctx.buttons(
        "balance.summary",
        [
            (ctx.text("menu.statement"), "flow:statement"),
            (ctx.text("menu.transfer"), "flow:transfer"),
            (ctx.text("common.menu"), "cmd:menu"),
        ],
        lines="\n".join(lines),
    )
    return Outcome()


@action("account_options")
async def account_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The customer's open accounts as choices."""
    accounts = await open_accounts(ctx)
    return Outcome(
        data=[
            {"title": account_title(ctx, a), "value": str(a.id), **account_slot(a)}
            for a in accounts
        ]
    )


@action("pick_account", outcomes=("one", "many", "none"))
async def pick_account(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """One open account is chosen for the customer; several are asked about."""
    accounts = await open_accounts(ctx)
    wanted = args.get("currency")
    if wanted:
        same = [a for a in accounts if a.currency == wanted]
        accounts = same or accounts
    if not accounts:
        return Outcome("none")
    if len(accounts) == 1:
        return Outcome("one", account_slot(accounts[0]))
    return Outcome("many")


@action("account_chosen")
async def account_chosen(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The slot form of the account picked from ``account_options``."""
    account = await ctx.bank.get_account(uuid_of(args["account_id"]))
    if account.customer_id != ctx.customer_id:
        return Outcome("ACCOUNT_NOT_FOUND")
    return Outcome(data=account_slot(account))


@action("send_statement", outcomes=("empty",))
async def send_statement(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The period's statement: page pictures for a short one, a PDF for a long one."""
    account = await ctx.bank.get_account(uuid_of(args["account"]["id"]))
    zone = ZoneInfo(ctx.services.settings.time_zone)
    first = date.fromisoformat(args["period"]["since"])
    last = date.fromisoformat(args["period"]["until"])
    since = datetime.combine(first, time(), zone).astimezone(UTC)
    until = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    lines: list[StatementLine] = []
    cursor: str | None = None
    opening: int | None = None
    closing = 0
    while True:
        page = await ctx.bank.get_statement(account.id, since, until, cursor, limit=500)
        if opening is None:
            opening = page.opening_balance_minor
        closing = page.closing_balance_minor
        lines.extend(
            StatementLine(
                line.at, line.description, rendered_money(line.amount_minor, page.currency)
            )
            for line in page.lines
        )
        cursor = page.next_cursor
        if cursor is None or len(lines) >= 5000:
            break
    customer = await ctx.bank.get_customer(ctx.customer_id)
    statement = Statement(
        holder=customer.full_name,
        account=account.number,
        period_start=first,
        period_end=last,
        opening=rendered_money(opening or 0, account.currency),
        closing=rendered_money(closing, account.currency),
        lines=tuple(lines),
        language=ctx.language,
        timezone=ctx.services.settings.time_zone,
        generated_at=ctx.now(),
    )
    made = await ctx.services.renderer.statement(statement)
    ctx.say("statement.ready", count=len(lines))
    for rendered in made:
        if rendered.media_type == "application/pdf":
            await ctx.document(rendered.content, rendered.filename, rendered.media_type)
        else:
            await ctx.image(rendered.content, "", rendered.filename, rendered.media_type)
    return Outcome()
