"""Inviting friends: the customer's personal code and link in the running referral
program, the picture to share, what their invitations earned, and partners' cashback.

The link is the deep link of the messenger the customer talks on (``t.me/<bot>?start=CODE``,
``viber://pa?chatURI=…&context=CODE``, ``m.me/<page>?ref=CODE``, ``wa.me/<number>?text=…``)
when that messenger is configured, else the web chat's (``/webchat?ref=CODE``), which
opens anywhere and hands the code to the conversation that starts (decision 0063).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from flows.actions.common import shown
from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from integrations.bank.referrals import ProgramKind, ReferralProgram
from render.documents import ReferralCard
from render.formatting import rate


async def _program(ctx: ActionContext) -> ReferralProgram | None:
    programs = await ctx.bank.list_referral_programs()
    return next((p for p in programs if p.kind is ProgramKind.REFERRAL), None)


def invite_link(ctx: ActionContext, code: str) -> str:
    """The link for the messenger the customer is talking on (friends are likely there
    too), or the web chat's, which opens in any browser."""
    settings = ctx.services.settings
    if settings.deep_link is not None:
        link = settings.deep_link(ctx.turn.msg.channel, code)
        if link:
            return link
    return f"{settings.base_url}/webchat?ref={quote(code, safe='')}"


@action("invite_code", outcomes=("no_program",))
async def invite_code(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The code, the link and the picture with its QR code."""
    program = await _program(ctx)
    if program is None:
        return Outcome("no_program")
    code = await ctx.bank.issue_referral_code(program.id, ctx.customer_id)
    link = invite_link(ctx, code.code)
    card = ReferralCard(
        title=ctx.text("invite.card_title"),
        text=program.description(ctx.language),
        link=link,
        code=code.code,
        language=ctx.language,
    )
    picture = await ctx.services.renderer.referral(card)
    await ctx.image(picture.content, ctx.text("invite.picture_caption"), picture.filename)
    ctx.record("referral_code_shown", program=str(program.id))
    ctx.buttons(
        "invite.code",
        _more(ctx, "code"),
        code=code.code,
        link=link,
        terms=program.description(ctx.language),
    )
    return Outcome()


@action("invite_rewards", outcomes=("no_program",))
async def invite_rewards(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """How many friends the customer invited, how many earned, and what they earned."""
    program = await _program(ctx)
    if program is None:
        return Outcome("no_program")
    summary = await ctx.bank.get_referrer_summary(program.id, ctx.customer_id)
    earned = [
        shown(ctx, minor, currency) for currency, minor in sorted(summary.earned_minor.items())
    ]
    total = ", ".join(earned) or shown(ctx, 0, program.reward_currency)
    ctx.buttons(
        "invite.rewards",
        _more(ctx, "rewards"),
        invited=summary.invited,
        rewarded=summary.rewarded,
        earned=total,
        reward=shown(ctx, program.referrer_reward_minor, program.reward_currency),
    )
    return Outcome()


@action("invite_offers", outcomes=("none",))
async def invite_offers(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Partners' cashback on card purchases, best rate first."""
    offers = await ctx.bank.list_cashback_offers(ctx.customer_id)
    if not offers:
        ctx.buttons("invite.no_offers", _more(ctx, "offers"))
        return Outcome("none")
    lines = []
    for offer in offers[:10]:
        key = f"invite.mcc.{offer.category}"
        category = (
            ctx.text(key)
            if ctx.services.catalog.has(key)
            else ctx.text("invite.mcc_other", mcc=offer.category)
        )
        percent = rate(Decimal(offer.rate_bp) / 100, ctx.language).rstrip("0").rstrip(".,")
        lines.append(
            ctx.text("invite.offer", partner=offer.partner_name, rate=percent, category=category)
        )
    ctx.buttons("invite.offers", _more(ctx, "offers"), lines="\n".join(lines))
    return Outcome()


def _more(ctx: ActionContext, shown_now: str) -> list[tuple[str, str]]:
    """Buttons to the other two parts, then the menu."""
    parts = (
        ("code", "invite.my_code"),
        ("rewards", "invite.my_rewards"),
        ("offers", "invite.partner_offers"),
    )
    buttons = [(ctx.text(key), f"flow:invite:{part}") for part, key in parts if part != shown_now]
    buttons.append((ctx.text("common.menu"), "cmd:menu"))
    return buttons
