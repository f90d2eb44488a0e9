"""Actions about the conversation itself: language, menu, support answers, referrals."""

from __future__ import annotations

from typing import Any

from flows import yamlio
from flows.actions.registry import Outcome, action
from flows.catalog import LANGUAGES
from flows.context import ActionContext
from flows.definition import DEFINITIONS

# Where each BANKING77 support answer's button leads (a flow), when there is one.
SUPPORT_ROUTES: dict[str, str] = yamlio.load_file(DEFINITIONS / "support_routes.yml")


@action("language_options")
async def language_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    catalog = ctx.services.catalog
    return Outcome(
        data=[{"title": catalog.text(lang, "language.name"), "value": lang} for lang in LANGUAGES]
    )


@action("set_language")
async def set_language(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    language = str(args.get("language"))
    if language not in LANGUAGES:
        return Outcome("invalid")
    ctx.state["language"] = language
    ctx.state["language_chosen"] = True
    ctx.record("language_set", language=language)
    return Outcome()


@action("where_to_start", outcomes=("choose_language", "new", "customer"))
async def where_to_start(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """A new conversation asks for the language first, then offers an account or the menu."""
    referral = ctx.state.get("referral")
    if referral and ctx.turn.customer_id is None:
        ctx.slots["referral"] = referral
    customer_id = ctx.turn.customer_id
    if not ctx.state.get("language_chosen") and customer_id is not None:
        # A known customer is spoken to in the language of their profile.
        customer = await ctx.bank.get_customer(customer_id)
        if customer.language in LANGUAGES:
            ctx.state["language"] = customer.language
            ctx.state["language_chosen"] = True
    if not ctx.state.get("language_chosen"):
        return Outcome("choose_language")
    return Outcome("customer" if customer_id is not None else "new")


@action("main_menu")
async def main_menu(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The menu: what a customer can do now (a verified customer sees everything)."""
    entries: list[tuple[str, str]]
    if ctx.turn.customer_id is None:
        entries = [
            ("menu.open_account", "flow:onboarding"),
            ("menu.language", "cmd:language"),
            ("menu.talk_to_person", "cmd:operator"),
        ]
    else:
        entries = [
            ("menu.balance", "flow:balance"),
            ("menu.transfer", "flow:transfer"),
            ("menu.top_up", "flow:top_up"),
            ("menu.pay_bills", "flow:pay_bills"),
            ("menu.exchange", "flow:exchange"),
            ("menu.cards", "flow:cards"),
            ("menu.statement", "flow:statement"),
            ("menu.invite", "flow:invite"),
            ("menu.settings", "flow:settings"),
            ("menu.talk_to_person", "cmd:operator"),
        ]
    available = [(k, p) for k, p in entries if _has_flow(ctx, p)]
    ctx.buttons("menu.title", [(ctx.text(k), p) for k, p in available])
    return Outcome()


def _has_flow(ctx: ActionContext, payload: str) -> bool:
    kind, _, name = payload.partition(":")
    return kind != "flow" or name in ctx.services.flows


@action("support_answer", outcomes=("unknown",))
async def support_answer(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """A short answer to a BANKING77 question, with a button into the flow that helps."""
    intent = str(args.get("intent", ""))
    key = f"support.{intent}"
    if not ctx.services.catalog.has(key):
        return Outcome("unknown")
    buttons: list[tuple[str, str]] = []
    target = SUPPORT_ROUTES.get(intent)
    if target and target in ctx.services.flows:
        buttons.append((ctx.text(f"intents.{_intent_of(ctx, target)}"), f"flow:{target}"))
    buttons.append((ctx.text("common.talk_to_person"), "cmd:operator"))
    buttons.append((ctx.text("common.menu"), "cmd:menu"))
    ctx.buttons(key, buttons)
    return Outcome()


def _intent_of(ctx: ActionContext, flow: str) -> str:
    intents = ctx.services.flows[flow].intents
    return intents[0] if intents else flow
