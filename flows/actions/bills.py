"""Paying for services: a category, a biller, the biller's fields one at a time (each
checked by the bank as it is typed), the amount, the fee, a confirmation, the payment and
its receipt; then an offer to save the payee. A saved payee is paid again with only an
account and an amount.

The payment carries the idempotency key made when its summary was shown: a repeated
confirmation, or a message sent twice, returns the payment as it stands instead of
paying again. A biller that does not answer in time leaves the payment pending; the bank
settles it and the customer is told so (decision 0061).
"""

from __future__ import annotations

from typing import Any

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
from integrations.bank.bills import Biller, BillPayment, BillPaymentStatus
from integrations.bank.errors import BankError
from integrations.bank.payments import Operation

CATEGORIES = ("mobile", "utilities", "tv", "internet", "transport")
PENDING = (BillPaymentStatus.CREATED, BillPaymentStatus.SUBMITTED, BillPaymentStatus.UNKNOWN)


def biller_slot(biller: Biller) -> dict[str, Any]:
    return {
        "id": biller.id,
        "name": biller.name,
        "currency": biller.currency,
        "fixed": bool(biller.amount_choices_minor),
        "choices": list(biller.amount_choices_minor),
        "min": biller.amount_min_minor,
        "max": biller.amount_max_minor,
        "fee_minor": biller.fee_minor,
        "fields": [{"name": f.name, "kind": f.kind, "example": f.example} for f in biller.fields],
    }


def _field_label(ctx: ActionContext, name: str, kind: str) -> str:
    key = f"bills.field.{name}"
    if not ctx.services.catalog.has(key):
        key = f"bills.field.{kind}" if ctx.services.catalog.has(f"bills.field.{kind}") else ""
    return ctx.text(key) if key else name.replace("_", " ")


# -- where to start: a saved payee or a new payment -------------------------------------------


@action("bill_start", outcomes=("payees", "new"))
async def bill_start(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    payees = await ctx.bank.list_bill_payees(ctx.customer_id)
    ctx.slots["values"] = {}
    return Outcome("payees" if payees else "new")


@action("bill_start_options")
async def bill_start_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Each saved payee, then "a new payment"."""
    payees = await ctx.bank.list_bill_payees(ctx.customer_id)
    options: list[dict[str, Any]] = [
        {"title": f"{p.name} · {p.biller_name}"[:60], "value": str(p.id)} for p in payees[:10]
    ]
    options.append({"title": ctx.text("bills.new_payment"), "value": "new"})
    return Outcome(data=options)


@action("bill_start_chosen", outcomes=("payee", "new"))
async def bill_start_chosen(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    chosen = str(args["choice"])
    if chosen == "new":
        return Outcome("new")
    payees = await ctx.bank.list_bill_payees(ctx.customer_id)
    payee = next((p for p in payees if str(p.id) == chosen), None)
    if payee is None:
        return Outcome("new")
    ctx.slots["payee"] = {
        "id": str(payee.id),
        "name": payee.name,
        "details": ", ".join(payee.fields.values()),
    }
    ctx.slots["biller"] = biller_slot(await ctx.bank.get_biller(payee.biller_id))
    return Outcome("payee")


# -- category, biller, fields ------------------------------------------------------------------


@action("bill_category_options")
async def bill_category_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    billers = await ctx.bank.list_billers()
    present = {b.category for b in billers}
    ordered = [c for c in CATEGORIES if c in present]
    ordered += sorted(present - set(CATEGORIES))
    return Outcome(
        data=[
            {
                "title": ctx.text(f"bills.category.{c}")
                if ctx.services.catalog.has(f"bills.category.{c}")
                else c,
                "value": c,
            }
            for c in ordered
        ]
    )


@action("biller_options")
async def biller_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    billers = await ctx.bank.list_billers(category=str(ctx.slots.get("category")))
    return Outcome(data=[{"title": f"{b.name} ({b.country})", "value": b.id} for b in billers])


@action("biller_chosen")
async def biller_chosen(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    biller = await ctx.bank.get_biller(str(args["biller_id"]))
    ctx.slots["values"] = {}
    return Outcome(data=biller_slot(biller))


@action("bill_next_field", outcomes=("ask", "done"))
async def bill_next_field(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The next of the biller's fields not filled in yet."""
    values = ctx.slots.setdefault("values", {})
    for field in ctx.slots["biller"]["fields"]:
        if field["name"] not in values:
            label = _field_label(ctx, field["name"], field["kind"])
            return Outcome("ask", {**field, "label": label})
    return Outcome("done")


@action("bill_check_field", outcomes=("invalid",))
async def bill_check_field(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """The bank checks one typed value against the biller's rules; a refusal is explained
    in the customer's language and the field is asked again."""
    field = args["field"]
    typed = str(args["value"]).strip()
    checked = await ctx.bank.validate_bill(
        str(ctx.slots["biller"]["id"]), {field["name"]: typed}, partial=True
    )
    if checked.valid:
        ctx.slots.setdefault("values", {})[field["name"]] = typed
        return Outcome()
    code = next((e.code for e in checked.errors if e.field == field["name"]), "FIELD_INVALID")
    _say_field_error(ctx, code, label=field["label"], example=field["example"])
    return Outcome("invalid")


def _say_field_error(ctx: ActionContext, code: str, **values: Any) -> None:
    key = f"bills.error.{code}"
    if not ctx.services.catalog.has(key):
        key = "bills.error.FIELD_INVALID"
    ctx.say(key, **values)


# -- amount, account, quote ----------------------------------------------------------------


@action("bill_amount_options")
async def bill_amount_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    biller = ctx.slots["biller"]
    return Outcome(
        data=[
            {"title": shown(ctx, minor, biller["currency"]), "value": str(minor)}
            for minor in biller["choices"]
        ]
    )


@action("bill_amount_chosen")
async def bill_amount_chosen(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    return Outcome(data=amount_slot(int(args["minor"]), str(ctx.slots["biller"]["currency"])))


@action("bill_check_amount", outcomes=("invalid",))
async def bill_check_amount(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    biller = ctx.slots["biller"]
    amount = amount_of(args["amount"])
    currency = str(biller["currency"])
    if amount.currency != currency:
        ctx.say("bills.wrong_currency", currency=currency)
        return Outcome("invalid")
    checked = await ctx.bank.validate_bill(str(biller["id"]), {}, amount.minor, partial=True)
    errors = [e for e in checked.errors if e.field == "amount"]
    if not errors:
        return Outcome()
    _say_field_error(
        ctx,
        errors[0].code,
        min=shown(ctx, int(biller["min"] or 0), currency),
        max=shown(ctx, int(biller["max"] or 0), currency),
    )
    return Outcome("invalid")


@action("bill_account", outcomes=("one", "many", "none"))
async def bill_account(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """An account in the biller's currency pays it."""
    currency = str(ctx.slots["biller"]["currency"])
    accounts = [a for a in await open_accounts(ctx) if a.currency == currency]
    if not accounts:
        return Outcome("none")
    if len(accounts) == 1:
        return Outcome("one", account_slot(accounts[0]))
    return Outcome("many")


@action("bill_account_options")
async def bill_account_options(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    currency = str(ctx.slots["biller"]["currency"])
    accounts = [a for a in await open_accounts(ctx) if a.currency == currency]
    return Outcome(data=[{"title": account_title(ctx, a), "value": str(a.id)} for a in accounts])


@action("quote_bill_payment")
async def quote_bill_payment(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Amount, fee and total as paying now would charge them, with the masked details."""
    biller, account = args["biller"], args["account"]
    amount = amount_of(args["amount"])
    payee = args.get("payee")
    if payee:
        # A saved payee's details stay with the bank; its fee is the biller's own plus
        # the bank's fee for bill payments, as the bank's policy charges it.
        bank_fee = await ctx.bank.quote_fee(Operation.BILL_PAYMENT, amount)
        fee = int(biller["fee_minor"]) + bank_fee.fee_minor
        details = f"{payee['name']} ({payee['details']})"
    else:
        quote = await ctx.bank.quote_bill(
            uuid_of(account["id"]), str(biller["id"]), dict(args["values"]), amount
        )
        fee = quote.fee_minor
        details = ", ".join(quote.fields.values())
    currency = amount.currency
    return Outcome(
        data={
            "amount": shown(ctx, amount.minor, currency),
            "fee": shown(ctx, fee, currency),
            "total": shown(ctx, amount.minor + fee, currency),
            "biller": biller["name"],
            "details": details,
            "last4": account["last4"],
        }
    )


# -- paying ---------------------------------------------------------------------------------


@action("pay_bill", money=True, amount_arg="amount", outcomes=("pending", "rejected"))
async def pay_bill(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    biller, account = args["biller"], args["account"]
    amount = amount_of(args["amount"])
    key = ctx.idempotency_key("bill")
    payee = args.get("payee")
    if payee:
        payment = await ctx.bank.pay_bill_payee(
            ctx.customer_id,
            uuid_of(payee["id"]),
            uuid_of(account["id"]),
            amount,
            idempotency_key=key,
        )
    else:
        payment = await ctx.bank.pay_bill(
            uuid_of(account["id"]),
            str(biller["id"]),
            dict(args["values"]),
            amount,
            idempotency_key=key,
        )
    ctx.record("bill_paid", payment=str(payment.id), status=payment.status.value)
    return await _after_payment(ctx, payment)


async def _after_payment(ctx: ActionContext, payment: BillPayment) -> Outcome:
    data = {
        "id": str(payment.id),
        "amount": shown(ctx, payment.amount_minor, payment.currency),
        "total": shown(ctx, payment.total_minor, payment.currency),
        "biller": payment.biller_name,
    }
    if payment.status in PENDING:
        ctx.buttons(
            "bills.pending",
            [
                (ctx.text("bills.check"), f"flow:bill_status:{payment.id}"),
                (ctx.text("common.menu"), "cmd:menu"),
            ],
            amount=data["amount"],
            biller=data["biller"],
        )
        return Outcome("pending", data)
    if payment.status in (BillPaymentStatus.REJECTED, BillPaymentStatus.DECLINED):
        reason = payment.reason or ""
        key = f"bills.reason.{reason}"
        data["reason"] = ctx.text(key) if ctx.services.catalog.has(key) else ""
        return Outcome("rejected", data)
    receipt = await ctx.bank.get_bill_receipt(payment.id)
    await send_receipt(
        ctx,
        kind="payment",
        reference=str(payment.id),
        amount_minor=receipt.amount_minor,
        currency=receipt.currency,
        at=receipt.paid_at,
        fee_minor=receipt.fee_minor,
        payee=f"{receipt.biller_name} {', '.join(receipt.fields.values())}".strip(),
        provider_reference=receipt.provider_reference,
    )
    return Outcome(data=data)


@action("bill_status", outcomes=("pending", "rejected", "unknown"))
async def bill_status(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    """Where a payment of this customer's stands (the "Check payment" button): the receipt
    once the biller confirmed it."""
    try:
        payment = await ctx.bank.get_bill_payment(uuid_of(args["payment"]))
    except (BankError, ValueError):
        return Outcome("unknown")
    if payment.customer_id != ctx.customer_id:
        return Outcome("unknown")  # not theirs: say nothing about it
    return await _after_payment(ctx, payment)


@action("save_bill_payee", outcomes=("exists",))
async def save_bill_payee(ctx: ActionContext, args: dict[str, Any]) -> Outcome:
    name = " ".join(str(args["name"]).split())[:60]
    try:
        payee = await ctx.bank.save_bill_payee(
            ctx.customer_id, str(args["biller"]["id"]), dict(args["values"]), name
        )
    except BankError as error:
        if error.code == "BILL_PAYEE_EXISTS":
            return Outcome("exists")
        raise
    ctx.record("bill_payee_saved", payee=str(payee.id))
    return Outcome(data={"name": payee.name})
