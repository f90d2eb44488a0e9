"""``LocalKyc``: ``KycAPI`` for ``LocalBank``, over ``core.kyc`` in this process."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING
from uuid import UUID

from core.kyc.model import ApplicationView, DocumentView, PersonalDataInput
from integrations.bank.kyc import (
    KycApplication,
    KycApplicationStatus,
    KycDecision,
    KycDocument,
    KycDocumentKind,
    KycPersonalData,
    check_personal_data,
)

if TYPE_CHECKING:
    from core.actors import Actor
    from core.bank import Bank


def _translated() -> AbstractContextManager[None]:
    # ``LocalBank``'s own translation of core errors; imported here, not at the top,
    # because ``integrations.bank.local`` imports this module for its base class.
    from integrations.bank import local

    return local._translated()


def application_of(v: ApplicationView) -> KycApplication:
    return KycApplication(
        id=v.id,
        customer_id=v.customer_id,
        status=KycApplicationStatus(v.status.value),
        attempt=v.attempt,
        has_personal_data=v.has_personal_data,
        documents=tuple(document_of(d) for d in v.documents),
        decision=None if v.decision is None else KycDecision(v.decision.value),
        reasons=tuple(v.reasons),
        scores=dict(v.scores),
        created_at=v.created_at,
        submitted_at=v.submitted_at,
        decided_at=v.decided_at,
    )


def document_of(v: DocumentView) -> KycDocument:
    return KycDocument(
        id=v.id,
        application_id=v.application_id,
        kind=KycDocumentKind(v.kind.value),
        media_type=v.media_type,
        size=v.size,
        width=v.width,
        height=v.height,
        pages=v.pages,
        uploaded_at=v.uploaded_at,
    )


class LocalKyc:
    """``KycAPI`` for ``LocalBank`` (uses its ``_bank`` and ``_actor``)."""

    _bank: Bank
    _actor: Actor

    async def start_kyc_application(self, customer_id: UUID) -> KycApplication:
        """See :meth:`KycAPI.start_kyc_application`."""
        with _translated():
            return application_of(await self._bank.kyc.start(customer_id, self._actor))

    async def set_kyc_personal_data(
        self, application_id: UUID, data: KycPersonalData
    ) -> KycApplication:
        """See :meth:`KycAPI.set_kyc_personal_data`."""
        check_personal_data(data)
        given = PersonalDataInput(
            given_names=data.given_names,
            surname=data.surname,
            date_of_birth=data.date_of_birth,
            nationality=data.nationality,
            document_kind=KycDocumentKind(data.document_kind).value,
            document_number=data.document_number,
            issuing_country=data.issuing_country,
            document_expiry=data.document_expiry,
        )
        with _translated():
            view = await self._bank.kyc.set_personal_data(application_id, given, self._actor)
            return application_of(view)

    async def upload_kyc_document(
        self, application_id: UUID, kind: KycDocumentKind, content: bytes
    ) -> KycDocument:
        """See :meth:`KycAPI.upload_kyc_document`."""
        with _translated():
            view = await self._bank.kyc.add_document(
                application_id, KycDocumentKind(kind).value, bytes(content), self._actor
            )
            return document_of(view)

    async def submit_kyc_application(self, application_id: UUID) -> KycApplication:
        """See :meth:`KycAPI.submit_kyc_application`."""
        with _translated():
            return application_of(await self._bank.kyc.submit(application_id, self._actor))

    async def get_kyc_application(self, application_id: UUID) -> KycApplication:
        """See :meth:`KycAPI.get_kyc_application`."""
        with _translated():
            return application_of(await self._bank.kyc.get(application_id))

    async def list_kyc_applications(self, customer_id: UUID) -> list[KycApplication]:
        """See :meth:`KycAPI.list_kyc_applications`."""
        with _translated():
            return [application_of(v) for v in await self._bank.kyc.for_customer(customer_id)]
