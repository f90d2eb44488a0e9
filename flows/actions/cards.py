"""Cards in chat: get a digital card, lock, unlock, block and reissue, limits, PIN and
card details through a secure page, bank details with a QR code.

A card is shown by its last four digits only; its picture is drawn from a ``CardFace``,
which cannot hold more. The full number, CVV and PIN exist only on the secure page
(``flows/secure_pages.py``). Actions that make a card more usable (unlock, higher limits,
a PIN or details link) ask for a fresh passcode; locking and blocking never wait for one.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flows.actions.common import account_slot, open_accounts, shown, uuid_of
from flows.actions.registry import Outcome, action
from flows.context import ActionContext
from integrations.bank.cards.types import BlockReason, Card, CardStatus
from integrations.bank.errors import InvalidRequest
from integrations.bank.types import Amount
from render.documents import BankDetails, CardFace

# Which cards each action may act on (the ``want`` of pick_card).
WANTS = {
    "any": (CardStatus.ACTIVE, CardStatus.LOCKED, CardStatus.BLOCKED),
    "usable": (CardStatus.ACTIVE, CardStatus.LOCKED),
    "active": (CardStatus.ACTIVE,),
    "locked": (CardStatus.LOCKED,),
}


def card_slot(card: Card) -> dict[str, Any]:
    return {
        "id": str(card.id),
        "last4": card.last4,
        "label": card.masked_number,
        "status": card.status.value,
        "currency": card.currency,
        "account_id": str(card.account_id),
        "pin_set": card.pin_set,
        "pin_blocked": card.pin_blocked,
    }


async def _cards(ctx: ActionContext, want: str) -> list[Card]:
    statuses = WANTS.get(want, WANTS["usable"])
    cards = await ctx.bank.list_cards(ctx.customer_id)
    return [c for c in cards if c.status in statuses]


async def _own_card(ctx: ActionContext, raw: Any) -> Card | None:
    try:
        card = await ctx.bank.get_card(UUID(str(raw)))
    except ValueError:
        return None
    return card if card.customer_id == ctx.customer_id else None


def _title(ctx: ActionContext, card: Card) -> str:
    return ctx.text(f"cards.title_{card.status.value}", last4=card.last4, currency=card.currency)


@action("pick_card", outcomes=("one", "many", "none"))
async def pick_card(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The card the customer means: the one named by a button, their only one, or a
    question when they have several."""
    want = str(args.get("want") or "usable")
    ctx.slots["card_want"] = want
    cards = await _cards(ctx, want)
    chosen = args.get("arg")
    if chosen:
        card = next((c for c in cards if str(c.id) == str(chosen)), None)
        if card is not None:
            return Outcome("one", card_slot(card))
    if not cards:
        return Outcome("none")
    if len(cards) == 1:
        return Outcome("one", card_slot(cards[0]))
    return Outcome("many")


@action("card_options")
async def card_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    cards = await _cards(ctx, str(ctx.slots.get("card_want") or "usable"))
    return Outcome(data=[{"title": _title(ctx, c), "value": str(c.id)} for c in cards])


@action("card_chosen")
async def card_chosen(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    card = await _own_card(ctx, args["card_id"])
    if card is None:
        return Outcome("CARD_NOT_FOUND")
    return Outcome(data=card_slot(card))


@action("card_hub")
async def card_hub(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """What can be done with the card now, as buttons into the direct flows."""
    card = await _own_card(ctx, args["card"]["id"])
    if card is None:
        return Outcome("CARD_NOT_FOUND")
    entries: list[tuple[str, str]] = []
    if card.status is CardStatus.ACTIVE:
        entries += [("cards.do_lock", "card_lock"), ("cards.do_show", "card_show")]
        entries += [("cards.do_pin", "card_pin"), ("cards.do_limits", "card_limits")]
    elif card.status is CardStatus.LOCKED:
        entries += [("cards.do_unlock", "card_unlock"), ("cards.do_limits", "card_limits")]
    if card.status is not CardStatus.BLOCKED:
        entries.append(("cards.do_block", "card_block"))
    buttons = [(ctx.text(key), f"flow:{name}:{card.id}") for key, name in entries]
    buttons.append((ctx.text("cards.do_bank_details"), "flow:bank_details"))
    buttons.append((ctx.text("common.menu"), "cmd:menu"))
    ctx.buttons(
        "cards.hub",
        buttons,
        card=_title(ctx, card),
        per_transaction=shown(ctx, card.per_transaction_limit_minor, card.currency),
        daily=shown(ctx, card.daily_limit_minor, card.currency),
    )
    return Outcome()


async def _picture(ctx: ActionContext, card: Card, caption_key: str) -> None:
    customer = await ctx.bank.get_customer(card.customer_id)
    face = CardFace(
        card.tier.value,
        customer.full_name,
        card.last4,
        card.expiry_month,
        card.expiry_year,
        ctx.language,
    )
    picture = await ctx.services.renderer.card(face)
    caption = ctx.text(caption_key, last4=card.last4)
    await ctx.image(picture.content, caption, picture.filename, picture.media_type)


@action("existing_cards", outcomes=("none", "some"))
async def existing_cards(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Whether the customer already holds a card in use: a second one is confirmed first,
    so a double tap on "Get a card" never issues two."""
    cards = await _cards(ctx, "usable")
    if not cards:
        return Outcome("none")
    return Outcome("some", card_slot(cards[-1]))


@action("issue_card")
async def issue_card(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """A digital card on the chosen account, its picture in the chat."""
    account = uuid_of(args["account"]["id"])
    key = ctx.idempotency_key("issue_card")
    card = await ctx.bank.issue_card(ctx.customer_id, account, idempotency_key=key)
    ctx.record("card_issued", card=str(card.id), last4=card.last4)
    await _picture(ctx, card, "cards.issued_caption")
    return Outcome(data=card_slot(card))


@action("lock_card")
async def lock_card(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    card = await ctx.bank.lock_card(await _checked(ctx, args))
    ctx.record("card_locked", card=str(card.id))
    return Outcome(data=card_slot(card))


@action("unlock_card", money=True)
async def unlock_card(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    card = await ctx.bank.unlock_card(await _checked(ctx, args))
    ctx.record("card_unlocked", card=str(card.id))
    return Outcome(data=card_slot(card))


@action("block_card")
async def block_card(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    reason = BlockReason(str(args["reason"]))
    card = await ctx.bank.block_card(await _checked(ctx, args), reason)
    ctx.record("card_blocked", card=str(card.id), reason=reason.value)
    return Outcome(data=card_slot(card))


@action("reissue_card")
async def reissue_card(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    old = await _checked(ctx, args)
    card = await ctx.bank.reissue_card(old, idempotency_key=f"reissue:{old}")
    ctx.record("card_reissued", card=str(card.id), replaces=str(old))
    await _picture(ctx, card, "cards.reissued_caption")
    return Outcome(data=card_slot(card))


async def _checked(ctx: ActionContext, args: dict[str, Any]) -> UUID:
    card = await _own_card(ctx, args["card"]["id"])
    if card is None:
        raise LookupError("a card of someone else")  # buttons only ever name own cards
    return card.id


@action("secure_link", money=True, outcomes=("pin_blocked",))
async def secure_link(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """A single-use page for the PIN or the card's details, never the chat."""
    card = await _own_card(ctx, args["card"]["id"])
    if card is None:
        return Outcome("CARD_NOT_FOUND")
    if card.status is CardStatus.BLOCKED:
        return Outcome("CARD_BLOCKED")
    if str(args["page"]) == "pin":
        if card.pin_blocked:
            return Outcome("pin_blocked")
        purpose = "pin_change" if card.pin_set else "pin_set"
    else:
        purpose = "card_show"
    msg = ctx.turn.msg
    url = ctx.services.secure.mint(
        purpose,
        ctx.customer_id,
        card.id,
        language=ctx.language,
        channel=msg.channel,
        user=msg.user,
    )
    ctx.record("secure_link_sent", purpose=purpose, card=str(card.id))
    ctx.link(url, f"cards.link_{purpose}", "cards.link_title", last4=card.last4)
    return Outcome()


@action("show_limits")
async def show_limits(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    card = await ctx.bank.get_card(await _checked(ctx, args))
    ctx.slots["card"] = card_slot(card)
    ctx.say(
        "cards.limits",
        last4=card.last4,
        per_transaction=shown(ctx, card.per_transaction_limit_minor, card.currency),
        daily=shown(ctx, card.daily_limit_minor, card.currency),
    )
    return Outcome()


@action("set_limits", money=True, outcomes=("too_high", "over_daily", "under_per_transaction"))
async def set_limits(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """One of the two limits changed, the other kept; the bank's rules explained."""
    card = await ctx.bank.get_card(await _checked(ctx, args))
    per = card.per_transaction_limit_minor
    daily = card.daily_limit_minor
    new = args.get("amount") or {}
    if str(new.get("currency")) != card.currency:
        return Outcome("CURRENCY_MISMATCH")
    if args["which"] == "daily":
        daily = int(new["minor"])
        if per > daily:
            return Outcome("under_per_transaction")
    else:
        per = int(new["minor"])
        if per > daily:
            return Outcome("over_daily")
    try:
        card = await ctx.bank.set_card_limits(
            card.id,
            per_transaction=Amount(per, card.currency),
            daily=Amount(daily, card.currency),
        )
    except InvalidRequest as error:
        if error.code != "VALIDATION_ERROR":
            raise
        maximum = error.data.get("maximum")
        ctx.slots["maximum"] = shown(ctx, int(str(maximum)), card.currency) if maximum else ""
        return Outcome("too_high")
    ctx.record("card_limits_set", card=str(card.id))
    ctx.slots["card"] = card_slot(card)
    ctx.slots["shown_limits"] = {
        "per_transaction": shown(ctx, card.per_transaction_limit_minor, card.currency),
        "daily": shown(ctx, card.daily_limit_minor, card.currency),
    }
    return Outcome()


@action("bank_details_options")
async def bank_details_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    accounts = await open_accounts(ctx)
    return Outcome(
        data=[
            {"title": f"{a.currency} •• {a.number[-4:]}", "value": str(a.id), **account_slot(a)}
            for a in accounts
        ]
    )


@action("show_bank_details")
async def show_bank_details(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Holder, IBAN and BIC as text to copy, and as a picture with a payment QR code."""
    account = await ctx.bank.get_account(uuid_of(args["account"]["id"]))
    if account.customer_id != ctx.customer_id:
        return Outcome("ACCOUNT_NOT_FOUND")
    details = await ctx.bank.get_bank_details(account.id)
    picture = await ctx.services.renderer.bank_details(
        BankDetails(
            details.holder_name, details.iban, details.bic, details.bank_name, ctx.language
        )
    )
    await ctx.image(
        picture.content, ctx.text("cards.details_caption"), picture.filename, picture.media_type
    )
    ctx.say(
        "cards.details_text",
        holder=details.holder_name,
        iban=details.iban,
        bic=details.bic,
        bank=details.bank_name,
        currency=details.currency,
    )
    return Outcome()
