"""The back office's KYC pages: the queue of applications in manual review, an application
with its declared data, automatic checks and documents, and the reviewer's decisions
(approve, reject with a reason, ask the customer for more documents).

Core audits every reading of personal data and documents and every decision, with the
staff member as the actor, refusals included; these routes add records only for what core
does not see (opening the queue, a refused document link).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.context import Backoffice, backoffice
from backoffice.kyc.links import DocumentLinks, Refusal
from backoffice.kyc.views import (
    IMAGE_TYPES,
    REJECT_CODES,
    ordered_documents,
    queue_rows,
    reason_key,
    since,
    waited,
)
from backoffice.roles import Role
from backoffice.security import Refused, audit, not_found, require
from backoffice.sessions import Staff
from backoffice.texts import text
from backoffice.web import render
from core.customers.service import CustomerNotFound
from core.errors import ValidationFailed
from core.kyc.errors import (
    ApplicationIncomplete,
    ApplicationNotFound,
    DocumentNotFound,
    NotInReview,
)
from core.kyc.model import ApplicationStatus, Decision, PersonalData

router = APIRouter(prefix="/backoffice/kyc")
StaffDep = Annotated[Staff, Depends(require(Role.KYC_REVIEWER))]
BackofficeDep = Annotated[Backoffice, Depends(backoffice)]
NOTICES = frozenset({"approved", "rejected", "more_documents"})
KNOWN_CHECKS = frozenset(
    {
        "age",
        "date_of_birth",
        "document_expiry",
        "document_number",
        "document_type",
        "document_unique",
        "mrz",
        "name_document",
        "name_registered",
        "nationality",
        "overall",
    }
)


def _links(bo: Backoffice) -> DocumentLinks:
    return DocumentLinks(bo.db, bo.clock)


@router.get("")
async def queue(request: Request, staff: StaffDep, bo: BackofficeDep) -> Response:
    shown = await _queue_context(bo)
    async with bo.db.transaction() as conn:
        await audit(conn, bo, staff, "kyc_view_queue", "kyc_queue", {"shown": len(shown["rows"])})
    notice = request.query_params.get("done", "")
    notice = notice if notice in NOTICES else ""
    return render(request, "kyc/queue.html", staff, notice=notice, **shown)


@router.get("/queue")
async def queue_fragment(request: Request, staff: StaffDep, bo: BackofficeDep) -> Response:
    """The queue's table alone, which the open page fetches every ten seconds.

    Not audited: the page's own view is, and its refreshes by the same reviewer, one
    every ten seconds, would bury the audit log's other records."""
    return render(request, "kyc/_queue.html", staff, **await _queue_context(bo))


async def _queue_context(bo: Backoffice) -> dict[str, Any]:
    """What the queue's table shows, for the page and for its refreshes."""
    rows = await queue_rows(bo.bank, bo.clock())
    return {"rows": rows, "waited": waited, "reason_key": reason_key}


@router.get("/applications/{application_id}")
async def application(
    request: Request, application_id: UUID, staff: StaffDep, bo: BackofficeDep
) -> Response:
    return await _application_page(request, application_id, staff, bo)


async def _application_page(
    request: Request,
    application_id: UUID,
    staff: Staff,
    bo: Backoffice,
    *,
    status: int = 200,
    error: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    try:
        view = await bo.bank.kyc.get(application_id)
    except ApplicationNotFound:
        raise not_found() from None
    personal: PersonalData | None = None
    if view.has_personal_data:
        try:
            personal = await bo.bank.kyc.personal_data(application_id, staff.actor)
        except ApplicationIncomplete:
            personal = None
    try:
        customer = await bo.bank.customers.get(view.customer_id)
    except CustomerNotFound:
        raise not_found() from None
    documents = ordered_documents(view)
    tokens = await _links(bo).issue(staff.id, [d.id for d in documents])
    minutes = max(0, int((bo.clock() - since(view)).total_seconds() // 60))
    return render(
        request,
        "kyc/application.html",
        staff,
        status=status,
        application=view,
        customer=customer,
        personal=personal,
        documents=documents,
        tokens=tokens,
        images=IMAGE_TYPES,
        checks=sorted(
            ((name, score) for name, score in view.scores.items()),
            key=lambda item: (item[0] == "overall", item[0]),
        ),
        known_checks=KNOWN_CHECKS,
        reason_key=reason_key,
        reject_codes=REJECT_CODES,
        in_review=view.status is ApplicationStatus.MANUAL_REVIEW,
        waited_text=waited(minutes),
        error=error,
        form=form or {},
    )


@router.get("/documents/{token}")
async def document(token: str, staff: StaffDep, bo: BackofficeDep) -> Response:
    """A document's bytes, once, for the reviewer the link was made for."""
    redeemed = await _links(bo).redeem(token, staff.id)
    if redeemed.document_id is None:
        async with bo.db.transaction() as conn:
            details = {"refusal": str(redeemed.refusal)}
            target = "kyc_document_link"
            await audit(conn, bo, staff, "kyc_document_link", target, details, "refused")
        if redeemed.refusal is Refusal.UNKNOWN:
            raise not_found()
        raise Refused(410, "KYC_LINK_GONE", "This link was used or has expired.")
    try:
        content = await bo.bank.kyc.document_content(redeemed.document_id, staff.actor)
    except DocumentNotFound:
        raise not_found() from None
    extension = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
    name = f"{content.kind.value}.{extension.get(content.media_type, 'bin')}"
    return Response(
        content.content,
        media_type=content.media_type,
        headers={
            "Cache-Control": "no-store, private",
            "Pragma": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="{name}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Resource-Policy": "same-origin",
        },
    )


@router.post("/applications/{application_id}/approve")
async def approve(
    request: Request,
    application_id: UUID,
    staff: StaffDep,
    bo: BackofficeDep,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    reason = note.strip() or text("en", "kyc.approved_note")
    return await _decide(request, application_id, staff, bo, Decision.VERIFIED, reason, None)


@router.post("/applications/{application_id}/reject")
async def reject(
    request: Request,
    application_id: UUID,
    staff: StaffDep,
    bo: BackofficeDep,
    code: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    form = {"code": code, "reason": reason}
    if code not in REJECT_CODES:
        return await _application_page(
            request, application_id, staff, bo, status=422, error="choose_code", form=form
        )
    if not reason.strip():
        return await _application_page(
            request, application_id, staff, bo, status=422, error="write_reason", form=form
        )
    return await _decide(request, application_id, staff, bo, Decision.REJECTED, reason, code)


@router.post("/applications/{application_id}/more-documents")
async def more_documents(
    request: Request,
    application_id: UUID,
    staff: StaffDep,
    bo: BackofficeDep,
    message: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if not message.strip():
        form = {"message": message}
        return await _application_page(
            request, application_id, staff, bo, status=422, error="write_message", form=form
        )
    try:
        await bo.bank.kyc.request_documents(application_id, message, staff.actor)
    except ApplicationNotFound:
        raise not_found() from None
    except NotInReview:
        raise _not_in_review() from None
    except ValidationFailed:
        form = {"message": message}
        return await _application_page(
            request, application_id, staff, bo, status=422, error="write_message", form=form
        )
    return RedirectResponse("/backoffice/kyc?done=more_documents", status_code=303)


async def _decide(
    request: Request,
    application_id: UUID,
    staff: Staff,
    bo: Backoffice,
    decision: Decision,
    reason: str,
    code: str | None,
) -> Response:
    try:
        await bo.bank.kyc.decide(application_id, decision, reason, staff.actor, code=code)
    except ApplicationNotFound:
        raise not_found() from None
    except NotInReview:
        raise _not_in_review() from None
    except ValidationFailed:
        form = {"code": code or "", "reason": reason}
        return await _application_page(
            request, application_id, staff, bo, status=422, error="write_reason", form=form
        )
    done = "approved" if decision is Decision.VERIFIED else "rejected"
    return RedirectResponse(f"/backoffice/kyc?done={done}", status_code=303)


def _not_in_review() -> Refused:
    return Refused(409, "KYC_NOT_IN_REVIEW", "This application is not waiting for a decision.")
