"""KYC: applications, documents, and staff decisions (staff operations need bank.admin)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from core.api.deps import Admin, BankDep, CustomerAgent, Reader
from core.api.kyc_schemas import (
    KycApplicationOut,
    KycDecisionIn,
    KycDocumentIn,
    KycDocumentOut,
    KycPersonalDataIn,
    KycPersonalDataOut,
)
from core.kyc.model import Decision

router = APIRouter(tags=["kyc"])


@router.post(
    "/customers/{customer_id}/kyc/applications",
    status_code=201,
    response_model=KycApplicationOut,
)
async def start_application(
    customer_id: UUID, bank: BankDep, who: CustomerAgent
) -> KycApplicationOut:
    """Open a draft application, or return the customer's open draft."""
    return KycApplicationOut.of(await bank.kyc.start(customer_id, who.actor))


@router.get("/customers/{customer_id}/kyc/applications", response_model=list[KycApplicationOut])
async def list_applications(
    customer_id: UUID, bank: BankDep, _: Reader
) -> list[KycApplicationOut]:
    return [KycApplicationOut.of(v) for v in await bank.kyc.for_customer(customer_id)]


@router.get("/kyc/applications/{application_id}", response_model=KycApplicationOut)
async def get_application(application_id: UUID, bank: BankDep, _: Reader) -> KycApplicationOut:
    return KycApplicationOut.of(await bank.kyc.get(application_id))


@router.put("/kyc/applications/{application_id}/personal-data", response_model=KycApplicationOut)
async def set_personal_data(
    application_id: UUID, body: KycPersonalDataIn, bank: BankDep, who: CustomerAgent
) -> KycApplicationOut:
    view = await bank.kyc.set_personal_data(application_id, body.to_input(), who.actor)
    return KycApplicationOut.of(view)


@router.post(
    "/kyc/applications/{application_id}/documents",
    status_code=201,
    response_model=KycDocumentOut,
)
async def add_document(
    application_id: UUID, body: KycDocumentIn, bank: BankDep, who: CustomerAgent
) -> KycDocumentOut:
    """Add a passport, ID card or selfie (base64); PDF, JPEG or PNG up to 10 MB."""
    view = await bank.kyc.add_document(application_id, body.kind, body.content(), who.actor)
    return KycDocumentOut.of(view)


@router.post("/kyc/applications/{application_id}/submit", response_model=KycApplicationOut)
async def submit(application_id: UUID, bank: BankDep, who: CustomerAgent) -> KycApplicationOut:
    """Submit for checking; the decision comes from a background job."""
    return KycApplicationOut.of(await bank.kyc.submit(application_id, who.actor))


# -- staff ------------------------------------------------------------------------------


@router.get("/kyc/reviews", response_model=list[KycApplicationOut])
async def review_queue(bank: BankDep, _: Admin) -> list[KycApplicationOut]:
    """Applications waiting for a staff decision, oldest first."""
    return [KycApplicationOut.of(v) for v in await bank.kyc.review_queue()]


@router.post("/kyc/applications/{application_id}/decision", response_model=KycApplicationOut)
async def decide(
    application_id: UUID, body: KycDecisionIn, bank: BankDep, who: Admin
) -> KycApplicationOut:
    """Approve or reject an application in manual review, with a reason (and optionally
    its code), or ask the customer for more documents with a message (decision 0081)."""
    decision = Decision(body.decision)
    if decision is Decision.MORE_DOCUMENTS:
        view = await bank.kyc.request_documents(application_id, body.reason, who.actor)
    else:
        view = await bank.kyc.decide(
            application_id, decision, body.reason, who.actor, code=body.code
        )
    return KycApplicationOut.of(view)


@router.get("/kyc/applications/{application_id}/personal-data", response_model=KycPersonalDataOut)
async def personal_data(application_id: UUID, bank: BankDep, who: Admin) -> KycPersonalDataOut:
    """The declared personal data (every reading is audited)."""
    return KycPersonalDataOut.of(await bank.kyc.personal_data(application_id, who.actor))


@router.get(
    "/kyc/documents/{document_id}/content",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}}},
)
async def document_content(document_id: UUID, bank: BankDep, who: Admin) -> Response:
    """A document's bytes (every reading is audited); never cached, never sniffed."""
    document = await bank.kyc.document_content(document_id, who.actor)
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="{document.kind.value}-{document_id}"',
        },
    )
