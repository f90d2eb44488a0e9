"""The back office's marketing pages: referral and partner programs (list, create, edit,
schedule, pause and resume, promo codes), their links and QR codes, and their funnel.
Flow texts are in :mod:`backoffice.marketing.flow_texts`.

Programs are core's (``bank.referrals.programs``), which audits every change and every
refusal with the staff member as the actor; the pages only translate forms and errors.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from backoffice.context import Backoffice, backoffice
from backoffice.marketing import flow_texts
from backoffice.marketing.forms import (
    FIELDS,
    FormError,
    ProgramForm,
    field_of,
    form_of,
    terms_of,
)
from backoffice.marketing.funnel import STAGES, program_funnel
from backoffice.marketing.links import CHANNELS, base_url, links_for, target
from backoffice.roles import Role
from backoffice.security import Refused, require
from backoffice.sessions import Staff
from backoffice.texts import catalog
from backoffice.web import render
from core.errors import CoreError, NotFound
from core.money import Money, format_money
from core.referrals.model import Program, ProgramKind, QualifyingEvent
from core.referrals.tables import referral_codes

router = APIRouter(prefix="/backoffice/marketing")
router.include_router(flow_texts.router)

Marketer = Annotated[Staff, Depends(require(Role.MARKETER))]
Bo = Annotated[Backoffice, Depends(backoffice)]


def not_found() -> Refused:
    return Refused(404, "NOT_FOUND", "No such program.")


async def find(bo: Backoffice, program_id: str) -> Program:
    try:
        return await bo.bank.referrals.programs.get(UUID(program_id))
    except (ValueError, NotFound):
        raise not_found() from None


async def promo_codes(bo: Backoffice, program: Program) -> list[str]:
    """The program's promo codes (a referral program's codes are its customers')."""
    if program.terms.kind is not ProgramKind.PARTNER:
        return []
    async with bo.db.read() as conn:
        rows = await conn.execute(
            select(referral_codes.c.code)
            .where(
                referral_codes.c.program_id == program.id,
                referral_codes.c.owner_id.is_(None),
            )
            .order_by(referral_codes.c.created_at, referral_codes.c.code)
        )
        return list(rows.scalars())


def money(staff: Staff, minor: int | None, currency: str | None) -> str:
    if minor is None or currency is None:
        return "—"
    return format_money(Money.of(minor, currency), staff.language)


def problem_text(staff: Staff, error: CoreError | FormError) -> tuple[str | None, str]:
    """(the field, the sentence) for a refusal, in the staff member's language."""
    texts = catalog(staff.language)
    if isinstance(error, FormError):
        return error.field, invalid(texts, error.field)
    field = field_of(error) if error.code == "VALIDATION_ERROR" else None
    if field is not None:
        return field, invalid(texts, field)
    return None, texts.get(f"marketing.refused.{error.code}", texts["marketing.refused.other"])


def invalid(texts: dict[str, str], field: str) -> str:
    return texts.get(f"marketing.invalid.{field}", texts["marketing.invalid.other"])


def page_values(bo: Backoffice, staff: Staff) -> dict[str, Any]:
    return {
        "kinds": [k.value for k in ProgramKind],
        "events": [e.value for e in QualifyingEvent],
        "currencies": bo.bank.accounts.currencies,
        "fields": FIELDS,
    }


# -- list ------------------------------------------------------------------------------------


@router.get("")
async def programs(request: Request, staff: Marketer, bo: Bo) -> Response:
    found = await bo.bank.referrals.programs.list_programs()
    now = bo.clock()
    rows = [(p, p.status(now).value) for p in found]
    return render(request, "marketing/programs.html", staff, rows=rows)


# -- create and edit -------------------------------------------------------------------------


@router.get("/programs/new")
async def new_program(request: Request, staff: Marketer, bo: Bo) -> Response:
    now = bo.clock().strftime("%Y-%m-%dT%H:%M")
    form = ProgramForm(
        {
            "kind": "partner",
            "qualifying_event": "kyc_verified",
            "reward_currency": bo.bank.accounts.currencies[0],
            "starts_at": now,
            "code_length": "8",
        }
    )
    return render(
        request,
        "marketing/program_form.html",
        staff,
        form=form,
        program=None,
        error=None,
        error_field=None,
        **page_values(bo, staff),
    )


async def read_form(request: Request) -> ProgramForm:
    raw = await request.form()
    return ProgramForm({k: str(raw.get(k, ""))[:2000] for k in FIELDS})


def refused_form(
    request: Request,
    staff: Staff,
    bo: Backoffice,
    form: ProgramForm,
    program: Program | None,
    error: CoreError | FormError,
) -> Response:
    field, sentence = problem_text(staff, error)
    return render(
        request,
        "marketing/program_form.html",
        staff,
        status=422,
        form=form,
        program=program,
        error=sentence,
        error_field=field,
        **page_values(bo, staff),
    )


@router.post("/programs")
async def create_program(request: Request, staff: Marketer, bo: Bo) -> Response:
    form = await read_form(request)
    service = bo.bank.referrals.programs
    try:
        made = await service.create(terms_of(form), staff.actor)
    except (CoreError, FormError) as error:
        return refused_form(request, staff, bo, form, None, error)
    if made.terms.kind is ProgramKind.PARTNER:
        # The first promo code: the one typed, or one drawn. A refused code leaves the
        # program standing (the refusal is audited); its page offers to add one.
        with suppress(CoreError):
            await service.add_promo_code(made.id, staff.actor, form.get("promo_code") or None)
    return RedirectResponse(f"/backoffice/marketing/programs/{made.id}", status_code=303)


@router.get("/programs/{program_id}/edit")
async def edit_program(request: Request, program_id: str, staff: Marketer, bo: Bo) -> Response:
    program = await find(bo, program_id)
    return render(
        request,
        "marketing/program_form.html",
        staff,
        form=form_of(program.terms),
        program=program,
        error=None,
        error_field=None,
        **page_values(bo, staff),
    )


@router.post("/programs/{program_id}")
async def save_program(request: Request, program_id: str, staff: Marketer, bo: Bo) -> Response:
    program = await find(bo, program_id)
    form = await read_form(request)
    try:
        terms = terms_of(form, program.terms)
        await bo.bank.referrals.programs.edit(program.id, terms, staff.actor)
    except (CoreError, FormError) as error:
        return refused_form(request, staff, bo, form, program, error)
    return RedirectResponse(f"/backoffice/marketing/programs/{program.id}", status_code=303)


# -- one program -----------------------------------------------------------------------------


@router.get("/programs/{program_id}")
async def program_page(
    request: Request, program_id: str, staff: Marketer, bo: Bo, error: str = ""
) -> Response:
    program = await find(bo, program_id)
    base = base_url(bo, request)
    codes = await promo_codes(bo, program)
    texts = catalog(staff.language)
    return render(
        request,
        "marketing/program.html",
        staff,
        program=program,
        program_status=program.status(bo.clock()).value,
        codes=[(code, links_for(bo, base, code)) for code in codes],
        money=lambda minor, cur=program.terms.reward_currency: money(staff, minor, cur),
        problem=texts.get(f"marketing.refused.{error}", "") if error else "",
        paused=program.terms.paused,
    )


@router.post("/programs/{program_id}/pause")
async def pause(program_id: str, staff: Marketer, bo: Bo) -> Response:
    program = await find(bo, program_id)
    await bo.bank.referrals.programs.pause(program.id, staff.actor)
    return RedirectResponse(f"/backoffice/marketing/programs/{program.id}", status_code=303)


@router.post("/programs/{program_id}/resume")
async def resume(program_id: str, staff: Marketer, bo: Bo) -> Response:
    program = await find(bo, program_id)
    await bo.bank.referrals.programs.resume(program.id, staff.actor)
    return RedirectResponse(f"/backoffice/marketing/programs/{program.id}", status_code=303)


@router.post("/programs/{program_id}/codes")
async def add_code(request: Request, program_id: str, staff: Marketer, bo: Bo) -> Response:
    program = await find(bo, program_id)
    raw = (await request.form()).get("code", "")
    code = str(raw).strip()[:40] or None
    where = f"/backoffice/marketing/programs/{program.id}"
    try:
        await bo.bank.referrals.programs.add_promo_code(program.id, staff.actor, code)
    except CoreError as error:
        return RedirectResponse(f"{where}?error={error.code}#codes", status_code=303)
    return RedirectResponse(f"{where}#codes", status_code=303)


@router.get("/programs/{program_id}/qr/{code}/{channel}.png")
async def qr(
    request: Request, program_id: str, code: str, channel: str, staff: Marketer, bo: Bo
) -> Response:
    """The QR code of a program's tracked link (only the program's own codes)."""
    program = await find(bo, program_id)
    if code not in await promo_codes(bo, program) or channel not in CHANNELS:
        raise not_found()
    base = base_url(bo, request)
    if target(bo, base, channel, code) is None or bo.qr_png is None:
        raise not_found()
    png = bo.qr_png(f"{base}/r/{code}/{channel}")
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/programs/{program_id}/funnel")
async def funnel(request: Request, program_id: str, staff: Marketer, bo: Bo) -> Response:
    program = await find(bo, program_id)
    counts = await program_funnel(bo, program.id)
    return render(
        request,
        "marketing/funnel.html",
        staff,
        program=program,
        funnel=counts,
        stages=STAGES,
    )
