"""The back office's settings pages for admins: switches that stop payments, transfers,
top-ups or exchange for a while (with the reason customers are shown), and FX spreads and
rate overrides. Fees and limits are in :mod:`backoffice.settings.rules`.

Core's services audit each change themselves with the admin as the actor, refusals
included (``disable_operation``, ``enable_operation``, ``set_rate_override``,
``cancel_rate_override``, ``set_spread``, ``remove_spread``); these routes add no second
record.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.context import Backoffice, backoffice
from backoffice.roles import Role
from backoffice.security import not_found, require
from backoffice.sessions import Staff
from backoffice.settings import forms
from backoffice.settings.rules import router as rules_router
from backoffice.web import render
from core.errors import CoreError, NotFound
from core.fx.commands import SetRateOverride
from core.fx.errors import RateOverrideEnded, RateOverrideNotFound, SpreadNotFound
from core.payments.model import SwitchScope, time_zone

router = APIRouter(prefix="/backoffice/settings")
admin = require(Role.ADMIN)
StaffDep = Annotated[Staff, Depends(admin)]
DURATIONS = ("60", "240", "1440", "10080", "open", "custom")  # minutes, or what they say
NOTICES = frozenset(
    {
        "disabled",
        "lifted",
        "override_set",
        "override_cancelled",
        "override_over",
        "spread_set",
        "spread_restored",
        "fee_saved",
        "fee_reset",
        "limit_saved",
        "limit_reset",
    }
)


def zone_of(bo: Backoffice) -> ZoneInfo:
    return time_zone(bo.bank.payments.config.time_zone)


def notice_of(request: Request) -> str:
    notice = request.query_params.get("done", "")
    return notice if notice in NOTICES else ""


# -- switches -----------------------------------------------------------------------------


async def _switches_page(
    request: Request,
    staff: Staff,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: forms.FieldError | None = None,
) -> Response:
    bo = backoffice(request)
    zone = zone_of(bo)
    now = bo.clock()
    return render(
        request,
        "settings/switches.html",
        staff,
        status=status,
        switches=await bo.bank.payments.switches.current(),
        now=now,
        zone=zone.key,
        shown=lambda at: forms.shown_time(at, zone),
        scopes=[s.value for s in SwitchScope],
        currencies=bo.bank.accounts.currencies,
        durations=DURATIONS,
        values=values or {"scope": "exchange", "duration": "60"},
        error=error,
        notice=notice_of(request),
    )


def _whole_minute(at: datetime) -> datetime:
    """Up to the next whole minute: customers are told "until 20:48", not "20:47:42"."""
    if at.second or at.microsecond:
        return at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return at


@router.get("")
async def switches(request: Request, staff: StaffDep) -> Response:
    return await _switches_page(request, staff)


@router.post("/switches")
async def disable(
    request: Request,
    staff: StaffDep,
    scope: Annotated[str, Form(max_length=20)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
    duration: Annotated[str, Form(max_length=10)] = "60",
    starts_at: Annotated[str, Form(max_length=20)] = "",
    ends_at: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Stop ``scope`` in ``currency`` (empty: every currency) from ``starts_at`` (empty:
    now) for ``duration`` minutes, until lifted, or until ``ends_at``."""
    bo = backoffice(request)
    zone = zone_of(bo)
    values = {
        "scope": scope,
        "currency": currency,
        "duration": duration,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "reason": reason,
    }
    try:
        if scope not in {s.value for s in SwitchScope}:
            raise forms.FormInvalid("scope", "invalid")
        if currency and currency not in bo.bank.accounts.currencies:
            raise forms.FormInvalid("currency")
        if duration not in DURATIONS:
            raise forms.FormInvalid("duration", "invalid")
        start = forms.local_time(starts_at, zone, "starts_at")
        if duration == "custom":
            end = forms.local_time(ends_at, zone, "ends_at")
            if end is None:
                raise forms.FormInvalid("ends_at")
        elif duration == "open":
            end = None
        else:
            end = _whole_minute((start or bo.clock()) + timedelta(minutes=int(duration)))
        await bo.bank.payments.switches.disable(
            SwitchScope(scope), currency or None, reason, staff.actor, starts_at=start, ends_at=end
        )
    except forms.FormInvalid as exc:
        return await _switches_page(request, staff, status=422, values=values, error=exc.error)
    except CoreError as exc:
        error = forms.core_error(exc, "reason")
        return await _switches_page(request, staff, status=422, values=values, error=error)
    return RedirectResponse("/backoffice/settings?done=disabled", status_code=303)


@router.post("/switches/{switch_id}/lift")
async def lift(request: Request, staff: StaffDep, switch_id: UUID) -> Response:
    """End a switch now; lifting one already over changes nothing."""
    try:
        await backoffice(request).bank.payments.switches.lift(switch_id, staff.actor)
    except NotFound:
        raise not_found() from None
    return RedirectResponse("/backoffice/settings?done=lifted", status_code=303)


# -- FX -----------------------------------------------------------------------------------


async def _fx_page(
    request: Request,
    staff: Staff,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: forms.FieldError | None = None,
    cancel_error: UUID | None = None,
    spread_values: dict[str, str] | None = None,
) -> Response:
    bo = backoffice(request)
    zone = zone_of(bo)
    now = bo.clock()
    currencies = bo.bank.accounts.currencies
    return render(
        request,
        "settings/fx.html",
        staff,
        status=status,
        spreads=await bo.bank.fx.spreads(),
        spread_pairs=forms.spread_pairs(currencies),
        spread_values=spread_values or {"pair": forms.DEFAULT_SPREAD},
        slug=forms.spread_slug,
        percent=forms.percent,
        overrides=await bo.bank.fx.rate_overrides(),
        now=now,
        zone=zone.key,
        shown=lambda at: forms.shown_time(at, zone),
        currencies=currencies,
        values=values
        or {
            "base": "EUR" if "EUR" in currencies else currencies[0],
            "quote": next((c for c in currencies if c != "EUR"), currencies[-1]),
            "valid_until": forms.input_time(now + timedelta(days=1), zone),
        },
        error=error,
        cancel_error=cancel_error,
        notice=notice_of(request),
    )


@router.get("/fx")
async def fx(request: Request, staff: StaffDep) -> Response:
    return await _fx_page(request, staff)


@router.post("/fx/overrides")
async def set_override(
    request: Request,
    staff: StaffDep,
    base: Annotated[str, Form(max_length=3)] = "",
    quote: Annotated[str, Form(max_length=3)] = "",
    rate: Annotated[str, Form(max_length=40)] = "",
    valid_from: Annotated[str, Form(max_length=20)] = "",
    valid_until: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """An admin's rate for a pair (1 ``base`` = ``rate`` ``quote``) during a window."""
    bo = backoffice(request)
    zone = zone_of(bo)
    values = {
        "base": base,
        "quote": quote,
        "rate": rate,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "reason": reason,
    }
    try:
        for field, code in (("base", base), ("quote", quote)):
            if code not in bo.bank.accounts.currencies:
                raise forms.FormInvalid(field, "currency")
        start = forms.local_time(valid_from, zone, "valid_from") or bo.clock()
        end = forms.local_time(valid_until, zone, "valid_until")
        if end is None:
            raise forms.FormInvalid("valid_until")
        command = SetRateOverride(base, quote, forms.rate(rate), start, end, reason.strip())
        await bo.bank.fx.set_rate_override(command, staff.actor)
    except forms.FormInvalid as exc:
        return await _fx_page(request, staff, status=422, values=values, error=exc.error)
    except CoreError as exc:
        error = forms.core_error(exc, "rate")
        return await _fx_page(request, staff, status=422, values=values, error=error)
    return RedirectResponse("/backoffice/settings/fx?done=override_set", status_code=303)


@router.post("/fx/overrides/{override_id}/cancel")
async def cancel_override(
    request: Request,
    staff: StaffDep,
    override_id: UUID,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """End an override now, with the reason; one already over changes nothing."""
    bo = backoffice(request)
    try:
        await bo.bank.fx.cancel_rate_override(override_id, staff.actor, reason.strip())
    except RateOverrideNotFound:
        raise not_found() from None
    except RateOverrideEnded:
        return RedirectResponse("/backoffice/settings/fx?done=override_over", status_code=303)
    except CoreError:
        return await _fx_page(request, staff, status=422, cancel_error=override_id)
    return RedirectResponse("/backoffice/settings/fx?done=override_cancelled", status_code=303)


@router.post("/fx/spreads")
async def set_spread(
    request: Request,
    staff: StaffDep,
    pair: Annotated[str, Form(max_length=10)] = "",
    bps: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Staff's spread in basis points for a pair (both directions) or the default."""
    bo = backoffice(request)
    values = {"pair": pair, "bps": bps, "reason": reason}
    try:
        codes = forms.spread_pair(pair, bo.bank.accounts.currencies)
        await bo.bank.fx.set_spread(codes, forms.spread_bps(bps), reason.strip(), staff.actor)
    except forms.FormInvalid as exc:
        return await _fx_page(request, staff, status=422, spread_values=values, error=exc.error)
    except CoreError as exc:
        error = forms.spread_error(exc)
        return await _fx_page(request, staff, status=422, spread_values=values, error=error)
    return RedirectResponse("/backoffice/settings/fx?done=spread_set", status_code=303)


@router.post("/fx/spreads/{slug}/restore")
async def restore_spread(request: Request, staff: StaffDep, slug: str) -> Response:
    """Remove staff's spread (``default``, or a pair as ``CZK-EUR``): the one staff or the
    settings had underneath applies again. A pair staff never set is not found."""
    bo = backoffice(request)
    try:
        codes = forms.spread_pair(slug.replace("-", "/"), bo.bank.accounts.currencies)
        await bo.bank.fx.remove_spread(codes, staff.actor)
    except (forms.FormInvalid, SpreadNotFound):
        raise not_found() from None
    return RedirectResponse("/backoffice/settings/fx?done=spread_restored", status_code=303)


router.include_router(rules_router)
