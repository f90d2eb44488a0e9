"""Request and response bodies of the KYC routes."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from core.errors import ValidationFailed
from core.kyc.files import MAX_DOCUMENT_BYTES
from core.kyc.model import ApplicationView, DocumentView, PersonalData, PersonalDataInput

# Base64 of a file somewhat over the document limit: such a file still reaches the core,
# which refuses it with KYC_DOCUMENT_TOO_LARGE (and audits it); larger bodies are cut off
# at the door (PAYLOAD_TOO_LARGE).
MAX_UPLOAD_BYTES = MAX_DOCUMENT_BYTES + 2 * 1024 * 1024
MAX_BASE64_CHARS = 4 * ((MAX_UPLOAD_BYTES + 2) // 3)
UPLOAD_BODY_LIMIT = MAX_BASE64_CHARS + 4096
UPLOAD_ROUTE = ("POST", r"/kyc/applications/[^/]+/documents", UPLOAD_BODY_LIMIT)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KycPersonalDataIn(_In):
    given_names: Annotated[str, Field(min_length=1, max_length=80)]
    surname: Annotated[str, Field(min_length=1, max_length=80)]
    date_of_birth: date
    nationality: Annotated[str, Field(min_length=2, max_length=3, examples=["CZ"])]
    document_kind: Annotated[str, Field(pattern="^(passport|id_card)$")]
    document_number: Annotated[str, Field(min_length=1, max_length=32)]
    issuing_country: Annotated[str, Field(min_length=2, max_length=3)]
    document_expiry: date

    def to_input(self) -> PersonalDataInput:
        return PersonalDataInput(**self.model_dump())


class KycPersonalDataOut(BaseModel):
    given_names: str
    surname: str
    date_of_birth: date
    nationality: str
    document_kind: str
    document_number: str
    issuing_country: str
    document_expiry: date

    @classmethod
    def of(cls, v: PersonalData) -> KycPersonalDataOut:
        return cls(
            given_names=v.given_names,
            surname=v.surname,
            date_of_birth=v.date_of_birth,
            nationality=v.nationality,
            document_kind=v.document_kind.value,
            document_number=v.document_number,
            issuing_country=v.issuing_country,
            document_expiry=v.document_expiry,
        )


class KycDocumentIn(_In):
    """A file as base64; its type is read from its content, never from a name or header."""

    kind: Annotated[str, Field(min_length=1, max_length=16, examples=["passport"])]
    content_base64: Annotated[str, Field(max_length=MAX_BASE64_CHARS)]

    def content(self) -> bytes:
        try:
            return base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("standard base64", field="content_base64") from None


class KycDecisionIn(_In):
    # more_documents: ``reason`` is the message the customer gets in their chat.
    decision: Annotated[str, Field(pattern="^(verified|rejected|more_documents)$")]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    code: Annotated[str | None, Field(pattern="^[A-Z][A-Z_]{0,39}$")] = None


class KycDocumentOut(BaseModel):
    id: UUID
    application_id: UUID
    kind: str
    media_type: str
    size: int
    width: int | None
    height: int | None
    pages: int | None
    uploaded_at: datetime

    @classmethod
    def of(cls, v: DocumentView) -> KycDocumentOut:
        return cls(
            id=v.id,
            application_id=v.application_id,
            kind=v.kind.value,
            media_type=v.media_type,
            size=v.size,
            width=v.width,
            height=v.height,
            pages=v.pages,
            uploaded_at=v.uploaded_at,
        )


class KycApplicationOut(BaseModel):
    id: UUID
    customer_id: UUID
    status: str
    attempt: int | None
    has_personal_data: bool
    documents: list[KycDocumentOut]
    decision: str | None
    reasons: list[str]
    scores: dict[str, int]
    decided_by: str | None
    created_at: datetime | None
    submitted_at: datetime | None
    decided_at: datetime | None

    @classmethod
    def of(cls, v: ApplicationView) -> KycApplicationOut:
        return cls(
            id=v.id,
            customer_id=v.customer_id,
            status=v.status.value,
            attempt=v.attempt,
            has_personal_data=v.has_personal_data,
            documents=[KycDocumentOut.of(d) for d in v.documents],
            decision=None if v.decision is None else v.decision.value,
            reasons=list(v.reasons),
            scores=dict(v.scores),
            decided_by=v.decided_by,
            created_at=v.created_at,
            submitted_at=v.submitted_at,
            decided_at=v.decided_at,
        )
