"""KYC through ``BankAPI``: a customer's identity application, from draft to decision.

A flow opens an application, records the personal data the customer typed, uploads the
photos they sent (passport or ID card, and a selfie), and submits. The bank decides in the
background; the flow learns the decision from the ``kyc.decided`` event or by reading the
application. Staff decisions and document viewing are not here: they belong to staff
tools (the back office and the core API's staff routes), never to a chat.

This module holds the Protocol, the wrapper's own types and ``HttpKyc``; it imports
nothing of the core (``LocalKyc`` lives in ``integrations.bank.kyc_local``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from integrations.bank import wire
from integrations.bank.errors import from_code

MAX_NAME = 80
MAX_DOCUMENT_NUMBER = 32


class KycApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    MANUAL_REVIEW = "manual_review"
    MORE_DOCUMENTS = "more_documents"  # staff asked for more: upload, then submit again
    VERIFIED = "verified"
    REJECTED = "rejected"


class KycDecision(StrEnum):
    VERIFIED = "verified"
    MANUAL_REVIEW = "manual_review"
    MORE_DOCUMENTS = "more_documents"
    REJECTED = "rejected"


class KycDocumentKind(StrEnum):
    PASSPORT = "passport"
    ID_CARD = "id_card"
    SELFIE = "selfie"


@dataclass(frozen=True, slots=True)
class KycPersonalData:
    """What the customer declares; ``document_kind`` is passport or id_card."""

    given_names: str
    surname: str
    date_of_birth: date
    nationality: str  # ISO 3166 alpha-2 or alpha-3
    document_kind: KycDocumentKind
    document_number: str
    issuing_country: str
    document_expiry: date


@dataclass(frozen=True, slots=True)
class KycDocument:
    """An uploaded document's facts; ``media_type`` is what its content turned out to be."""

    id: UUID
    application_id: UUID
    kind: KycDocumentKind
    media_type: str
    size: int
    width: int | None
    height: int | None
    pages: int | None
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class KycApplication:
    """An application; ``reasons`` are the codes of the checks that did not pass."""

    id: UUID
    customer_id: UUID
    status: KycApplicationStatus
    attempt: int | None  # 1–3 once submitted
    has_personal_data: bool
    documents: tuple[KycDocument, ...]
    decision: KycDecision | None
    reasons: tuple[str, ...]
    scores: dict[str, int] = field(default_factory=dict)
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None


class KycAPI(Protocol):
    """Identity verification, as flows use it."""

    async def start_kyc_application(self, customer_id: UUID) -> KycApplication:
        """A draft application, or the customer's open draft.

        ``Conflict``: ``KYC_ALREADY_VERIFIED``, ``KYC_APPLICATION_OPEN`` (one is being
        checked or reviewed), ``KYC_ATTEMPTS_EXHAUSTED`` (three were submitted).
        """
        ...

    async def set_kyc_personal_data(
        self, application_id: UUID, data: KycPersonalData
    ) -> KycApplication:
        """Record the declared data on a draft (``InvalidRequest``
        ``KYC_INVALID_PERSONAL_DATA`` naming the ``field``; ``Conflict``
        ``KYC_APPLICATION_NOT_EDITABLE`` once submitted)."""
        ...

    async def upload_kyc_document(
        self, application_id: UUID, kind: KycDocumentKind, content: bytes
    ) -> KycDocument:
        """Add a document (replacing one of the same kind): PDF, JPEG or PNG up to 10 MB,
        a selfie JPEG or PNG. Refusals are ``InvalidRequest`` with ``KYC_DOCUMENT_*`` codes
        (``TOO_LARGE``, ``TYPE_NOT_ALLOWED``, ``UNREADABLE``, ``DIMENSIONS``, ``INFECTED``,
        ``EMPTY``); nothing is stored then. ``BankUnavailable`` when the scan or the store
        failed."""
        ...

    async def submit_kyc_application(self, application_id: UUID) -> KycApplication:
        """Submit a complete draft (``InvalidRequest`` ``KYC_APPLICATION_INCOMPLETE`` with
        ``missing``); the decision follows from a background job."""
        ...

    async def get_kyc_application(self, application_id: UUID) -> KycApplication:
        """The application, or ``NotFound`` (``KYC_APPLICATION_NOT_FOUND``)."""
        ...

    async def list_kyc_applications(self, customer_id: UUID) -> list[KycApplication]:
        """The customer's applications, oldest first."""
        ...


def check_personal_data(data: KycPersonalData) -> None:
    """The shape checks both implementations make, so both refuse with the same code."""
    limits = {
        "given_names": (1, MAX_NAME),
        "surname": (1, MAX_NAME),
        "nationality": (2, 3),
        "issuing_country": (2, 3),
        "document_number": (1, MAX_DOCUMENT_NUMBER),
    }
    for name, (low, high) in limits.items():
        if not low <= len(getattr(data, name)) <= high:
            raise from_code(
                "KYC_INVALID_PERSONAL_DATA",
                f"{name}: {low} to {high} characters",
                {"field": name},
                status=422,
            )
    if data.document_kind not in (KycDocumentKind.PASSPORT, KycDocumentKind.ID_CARD):
        raise from_code(
            "KYC_INVALID_PERSONAL_DATA",
            "passport or id_card",
            {"field": "document_kind"},
            status=422,
        )


class HttpKyc:
    """``KycAPI`` for ``HttpBank``, over ``/kyc`` routes of the core API."""

    if TYPE_CHECKING:

        async def _call(
            self,
            method: str,
            path: str,
            *,
            json: dict[str, Any] | None = None,
            params: dict[str, str | int] | None = None,
            key: str | None = None,
        ) -> object: ...

    async def start_kyc_application(self, customer_id: UUID) -> KycApplication:
        """See :meth:`KycAPI.start_kyc_application`."""
        path = f"/customers/{customer_id}/kyc/applications"
        return wire.parse(KycApplication, await self._call("POST", path))

    async def set_kyc_personal_data(
        self, application_id: UUID, data: KycPersonalData
    ) -> KycApplication:
        """See :meth:`KycAPI.set_kyc_personal_data`."""
        check_personal_data(data)
        body = {
            "given_names": data.given_names,
            "surname": data.surname,
            "date_of_birth": data.date_of_birth.isoformat(),
            "nationality": data.nationality,
            "document_kind": data.document_kind.value,
            "document_number": data.document_number,
            "issuing_country": data.issuing_country,
            "document_expiry": data.document_expiry.isoformat(),
        }
        path = f"/kyc/applications/{application_id}/personal-data"
        return wire.parse(KycApplication, await self._call("PUT", path, json=body))

    async def upload_kyc_document(
        self, application_id: UUID, kind: KycDocumentKind, content: bytes
    ) -> KycDocument:
        """See :meth:`KycAPI.upload_kyc_document`."""
        body = {
            "kind": KycDocumentKind(kind).value,
            "content_base64": base64.b64encode(content).decode("ascii"),
        }
        path = f"/kyc/applications/{application_id}/documents"
        return wire.parse(KycDocument, await self._call("POST", path, json=body))

    async def submit_kyc_application(self, application_id: UUID) -> KycApplication:
        """See :meth:`KycAPI.submit_kyc_application`."""
        path = f"/kyc/applications/{application_id}/submit"
        return wire.parse(KycApplication, await self._call("POST", path))

    async def get_kyc_application(self, application_id: UUID) -> KycApplication:
        """See :meth:`KycAPI.get_kyc_application`."""
        path = f"/kyc/applications/{application_id}"
        return wire.parse(KycApplication, await self._call("GET", path))

    async def list_kyc_applications(self, customer_id: UUID) -> list[KycApplication]:
        """See :meth:`KycAPI.list_kyc_applications`."""
        path = f"/customers/{customer_id}/kyc/applications"
        return wire.parse_list(KycApplication, await self._call("GET", path))
