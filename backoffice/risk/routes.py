"""The back office's risk pages: the review queue (transfers held by the risk rules, card
payouts held for review) with approve and reject, and the risk rules' thresholds.

Core's services audit every decision and every change of the rules themselves (the staff
member is the actor), refusals included; these routes add no second record.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.context import Backoffice, backoffice
from backoffice.risk import rules_form
from backoffice.risk.queue import age_text, held_items
from backoffice.roles import Role
from backoffice.security import not_found, require
from backoffice.sessions import Staff
from backoffice.web import render
from core.cardmoney.errors import PayoutNotFound, PayoutNotInReview
from core.cardmoney.model import PayoutStage
from core.errors import NotFound, ValidationFailed
from core.payments.errors import PaymentNotPending
from core.payments.model import PaymentStatus
from core.payments.risk import DEFAULT_RISK

router = APIRouter(prefix="/backoffice/risk")
risk_officer = require(Role.RISK_OFFICER)
StaffDep = Annotated[Staff, Depends(risk_officer)]
Verdict = Literal["approve", "reject"]
NOTICES = frozenset({"approved", "rejected", "already", "rules_saved", "rules_reset"})
KNOWN_RULES = frozenset(
    {
        "large_amount",
        "velocity_count",
        "velocity_amount",
        "new_recipient",
        "contact_change",
        "night",
    }
)


async def _queue_page(
    request: Request,
    staff: Staff,
    *,
    status: int = 200,
    failed: UUID | None = None,
    error: str = "",
    reason: str = "",
) -> Response:
    bo = backoffice(request)
    now = bo.clock()
    notice = request.query_params.get("done", "")
    return render(
        request,
        "risk/queue.html",
        staff,
        status=status,
        items=await held_items(bo.bank, now),
        age_text=age_text,
        known_rules=KNOWN_RULES,
        new_key=lambda: secrets.token_urlsafe(18),
        notice=notice if notice in NOTICES else "",
        failed=failed,
        error=error,
        reason=reason,
    )


@router.get("")
async def queue(request: Request, staff: StaffDep) -> Response:
    return await _queue_page(request, staff)


def _done(outcome: str) -> Response:
    return RedirectResponse(f"/backoffice/risk?done={outcome}", status_code=303)


@router.post("/transfers/{payment_id}/{verdict}")
async def decide_transfer(
    request: Request,
    staff: StaffDep,
    payment_id: UUID,
    verdict: Verdict,
    reason: Annotated[str, Form(max_length=500)] = "",
    key: Annotated[str, Form(min_length=16, max_length=64)] = "",
) -> Response:
    """Approve or reject a held transfer. The form's key (made when the page was shown)
    is the review's idempotency key: a second click with it changes nothing."""
    bo = backoffice(request)
    try:
        payment = await bo.bank.payments.transfers.get(payment_id)
    except NotFound:
        raise not_found() from None
    if payment.decision is None and payment.status is not PaymentStatus.PENDING_REVIEW:
        raise not_found()  # never held: not on the page, not for this page to decide
    # A form without its key (an old page) still decides once: a second decision finds
    # the transfer decided (PAYMENT_NOT_PENDING).
    key = key or secrets.token_urlsafe(18)
    reviews = bo.bank.payments.reviews
    try:
        if verdict == "approve":
            await reviews.approve(payment_id, staff.actor, key, reason.strip() or None)
        else:
            await reviews.reject(payment_id, staff.actor, key, reason)
    except PaymentNotPending:
        return _done("already")
    except ValidationFailed:
        return await _queue_page(
            request, staff, status=422, failed=payment_id, error="reason", reason=reason
        )
    return _done("approved" if verdict == "approve" else "rejected")


@router.post("/payouts/{payout_id}/{verdict}")
async def decide_payout(
    request: Request,
    staff: StaffDep,
    payout_id: UUID,
    verdict: Verdict,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Let a card payout held for review go to the network, or give the money back. A
    second click finds it decided and changes nothing."""
    bo = backoffice(request)
    payouts = bo.bank.cardmoney.payouts
    try:
        payout = await payouts.get(payout_id)
    except PayoutNotFound:
        raise not_found() from None
    if payout.review_reasons is None:
        raise not_found()  # never held for review
    if payout.stage is not PayoutStage.REVIEW:
        return _done("already")
    try:
        await payouts.decide_review(payout_id, verdict == "approve", reason, staff.actor)
    except PayoutNotInReview:
        return _done("already")
    except ValidationFailed:
        return await _queue_page(
            request, staff, status=422, failed=payout_id, error="payout_reason", reason=reason
        )
    return _done("approved" if verdict == "approve" else "rejected")


# -- the rules ----------------------------------------------------------------------------


async def _rules_page(
    request: Request,
    staff: Staff,
    bo: Backoffice,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: rules_form.FieldError | None = None,
) -> Response:
    config, source = await bo.bank.payments.risk.config()
    notice = request.query_params.get("done", "")
    return render(
        request,
        "risk/rules.html",
        staff,
        status=status,
        source=source.value,
        values=values if values is not None else rules_form.fields_of(config),
        defaults=rules_form.fields_of(DEFAULT_RISK),
        currencies=rules_form.currencies_of(config, bo.bank.accounts.currencies),
        rules=rules_form.RULES,
        bounds=rules_form.BOUNDS,
        error=error,
        notice=notice if notice in NOTICES else "",
    )


@router.get("/rules")
async def rules(request: Request, staff: StaffDep) -> Response:
    return await _rules_page(request, staff, backoffice(request))


@router.post("/rules")
async def save_rules(request: Request, staff: StaffDep) -> Response:
    """Replace the rules as a whole; a bad field refuses all of it (and core audits the
    refusal)."""
    bo = backoffice(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and len(v) <= 40}
    config, _ = await bo.bank.payments.risk.config()
    currencies = rules_form.currencies_of(config, bo.bank.accounts.currencies)
    try:
        data = rules_form.parse(values, currencies)
        await bo.bank.payments.risk.set_config_data(data, staff.actor)
    except rules_form.FormInvalid as exc:
        return await _rules_page(request, staff, bo, status=422, values=values, error=exc.error)
    except ValidationFailed as exc:
        field = str(exc.data.get("field", ""))
        error = rules_form.FieldError(field, "range")
        return await _rules_page(request, staff, bo, status=422, values=values, error=error)
    return RedirectResponse("/backoffice/risk/rules?done=rules_saved", status_code=303)


@router.post("/rules/reset")
async def reset_rules(request: Request, staff: StaffDep) -> Response:
    await backoffice(request).bank.payments.risk.reset_config(staff.actor)
    return RedirectResponse("/backoffice/risk/rules?done=rules_reset", status_code=303)
