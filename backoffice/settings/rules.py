"""Fees and outgoing limits for admins: what is in force (staff's rules and the shipped
defaults they did not replace), adding or replacing a rule, and removing staff's rule so
the default applies again. Core audits each change (``set_fee_rule``, ``reset_fee_rule``,
``set_limit_rule``, ``reset_limit_rule``) with the admin as the actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.context import backoffice
from backoffice.roles import Role
from backoffice.security import not_found, require
from backoffice.sessions import Staff
from backoffice.settings import forms
from backoffice.web import render
from core.customers.model import KycLevel
from core.errors import CoreError
from core.payments.fees import FeeRule
from core.payments.limits import LimitRule
from core.payments.model import WILDCARD, Operation

router = APIRouter()
StaffDep = Annotated[Staff, Depends(require(Role.ADMIN))]


def _notice(request: Request, allowed: tuple[str, ...]) -> str:
    notice = request.query_params.get("done", "")
    return notice if notice in allowed else ""


# -- fees ---------------------------------------------------------------------------------


async def _fees_page(
    request: Request,
    staff: Staff,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: forms.FieldError | None = None,
) -> Response:
    bo = backoffice(request)
    return render(
        request,
        "settings/fees.html",
        staff,
        status=status,
        rules=await bo.bank.payments.fees.rules(),
        operations=[o.value for o in Operation],
        currencies=[WILDCARD, *bo.bank.accounts.currencies],
        major=forms.major,
        percent=forms.percent,
        values=values or {"operation": Operation.TRANSFER_INTERNAL.value, "currency": "EUR"},
        error=error,
        notice=_notice(request, ("fee_saved", "fee_reset")),
    )


@router.get("/fees")
async def fees(request: Request, staff: StaffDep) -> Response:
    return await _fees_page(request, staff)


@router.post("/fees")
async def set_fee(
    request: Request,
    staff: StaffDep,
    operation: Annotated[str, Form(max_length=30)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
    fixed: Annotated[str, Form(max_length=30)] = "",
    percent: Annotated[str, Form(max_length=10)] = "",
    minimum: Annotated[str, Form(max_length=30)] = "",
    maximum: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """Add or replace the fee of ``operation`` in ``currency`` (``*``: every currency
    without a rule of its own). Amounts are in the currency's major units; a rule for
    every currency takes minor units, since one fixed figure means different sums."""
    bo = backoffice(request)
    values = {
        "operation": operation,
        "currency": currency,
        "fixed": fixed,
        "percent": percent,
        "minimum": minimum,
        "maximum": maximum,
    }
    try:
        if operation not in {o.value for o in Operation}:
            raise forms.FormInvalid("operation", "invalid")
        if currency != WILDCARD and currency not in bo.bank.accounts.currencies:
            raise forms.FormInvalid("currency")
        rule = FeeRule(
            Operation(operation),
            currency,
            forms.to_minor(fixed or "0", currency, "fixed") or 0,
            forms.to_basis_points(percent),
            forms.to_minor(minimum or "0", currency, "minimum") or 0,
            forms.to_minor(maximum, currency, "maximum", required=False),
        )
        await bo.bank.payments.fees.set_rule(rule, staff.actor)
    except forms.FormInvalid as exc:
        return await _fees_page(request, staff, status=422, values=values, error=exc.error)
    except CoreError as exc:
        error = forms.core_error(exc, "fixed")
        return await _fees_page(request, staff, status=422, values=values, error=error)
    return RedirectResponse("/backoffice/settings/fees?done=fee_saved", status_code=303)


@router.post("/fees/reset")
async def reset_fee(
    request: Request,
    staff: StaffDep,
    operation: Annotated[str, Form(max_length=30)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Remove staff's fee rule: the shipped default applies again."""
    bo = backoffice(request)
    if operation not in {o.value for o in Operation}:
        raise not_found()
    try:
        await bo.bank.payments.fees.reset_rule(Operation(operation), currency, staff.actor)
    except CoreError:
        raise not_found() from None
    return RedirectResponse("/backoffice/settings/fees?done=fee_reset", status_code=303)


# -- limits -------------------------------------------------------------------------------


async def _limits_page(
    request: Request,
    staff: Staff,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: forms.FieldError | None = None,
) -> Response:
    bo = backoffice(request)
    return render(
        request,
        "settings/limits.html",
        staff,
        status=status,
        rules=await bo.bank.payments.limits.rules(),
        levels=[k.value for k in KycLevel],
        currencies=bo.bank.accounts.currencies,
        major=forms.major,
        values=values or {"kyc_level": KycLevel.FULL.value, "currency": "EUR"},
        error=error,
        notice=_notice(request, ("limit_saved", "limit_reset")),
    )


@router.get("/limits")
async def limits(request: Request, staff: StaffDep) -> Response:
    return await _limits_page(request, staff)


@router.post("/limits")
async def set_limit(
    request: Request,
    staff: StaffDep,
    kyc_level: Annotated[str, Form(max_length=20)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
    daily: Annotated[str, Form(max_length=30)] = "",
    monthly: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """Add or replace the daily and monthly outgoing limit of a KYC level in a currency."""
    bo = backoffice(request)
    values = {"kyc_level": kyc_level, "currency": currency, "daily": daily, "monthly": monthly}
    try:
        if kyc_level not in {k.value for k in KycLevel}:
            raise forms.FormInvalid("kyc_level", "invalid")
        if currency not in bo.bank.accounts.currencies:
            raise forms.FormInvalid("currency")
        rule = LimitRule(
            KycLevel(kyc_level),
            currency,
            forms.to_minor(daily, currency, "daily") or 0,
            forms.to_minor(monthly, currency, "monthly") or 0,
        )
        await bo.bank.payments.limits.set_rule(rule, staff.actor)
    except forms.FormInvalid as exc:
        return await _limits_page(request, staff, status=422, values=values, error=exc.error)
    except CoreError as exc:
        error = forms.core_error(exc, "daily")
        return await _limits_page(request, staff, status=422, values=values, error=error)
    return RedirectResponse("/backoffice/settings/limits?done=limit_saved", status_code=303)


@router.post("/limits/reset")
async def reset_limit(
    request: Request,
    staff: StaffDep,
    kyc_level: Annotated[str, Form(max_length=20)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Remove staff's limit rule: the shipped default applies again."""
    bo = backoffice(request)
    if kyc_level not in {k.value for k in KycLevel}:
        raise not_found()
    try:
        await bo.bank.payments.limits.reset_rule(KycLevel(kyc_level), currency, staff.actor)
    except CoreError:
        raise not_found() from None
    return RedirectResponse("/backoffice/settings/limits?done=limit_reset", status_code=303)
