"""What a KYC application is made of, and the rules that need no database."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import pycountry

from core.kyc.errors import InvalidPersonalData

MAX_ATTEMPTS = 3
"""Applications a customer may submit; the fourth is refused (issue 3)."""

MINIMUM_AGE = 18


class ApplicationStatus(StrEnum):
    DRAFT = "draft"  # collecting personal data and documents
    SUBMITTED = "submitted"  # waiting for the background checks
    MANUAL_REVIEW = "manual_review"  # the checks were not conclusive: staff decide
    # Staff asked the customer for more documents; the customer adds them and resubmits,
    # and the application goes back to manual review (decision 0081).
    MORE_DOCUMENTS = "more_documents"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Decision(StrEnum):
    """The outcome of the checks or of a staff review; the values are ``kyc.decided``'s."""

    VERIFIED = "verified"
    MANUAL_REVIEW = "manual_review"
    MORE_DOCUMENTS = "more_documents"  # staff only: not final, the customer is asked
    REJECTED = "rejected"

    @property
    def status(self) -> ApplicationStatus:
        return ApplicationStatus(self.value)


class DocumentKind(StrEnum):
    PASSPORT = "passport"
    ID_CARD = "id_card"
    SELFIE = "selfie"


IDENTITY_DOCUMENTS = (DocumentKind.PASSPORT, DocumentKind.ID_CARD)

_NAME = re.compile(r"[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?")
_DOCUMENT_NUMBER = re.compile(r"[A-Z0-9]{1,20}")


@dataclass(frozen=True, slots=True)
class PersonalData:
    """What the customer declares; compared with the document and the customer record."""

    given_names: str
    surname: str
    date_of_birth: date
    nationality: str  # ISO 3166-1 alpha-3, as in a machine-readable zone
    document_kind: DocumentKind
    document_number: str
    issuing_country: str  # alpha-3
    document_expiry: date

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surname}"

    def to_json(self) -> str:
        """The form stored (encrypted): dates as ISO text."""
        values: dict[str, Any] = asdict(self)
        for key in ("date_of_birth", "document_expiry"):
            values[key] = values[key].isoformat()
        return json.dumps(values, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PersonalData:
        values = json.loads(text)
        return cls(
            given_names=values["given_names"],
            surname=values["surname"],
            date_of_birth=date.fromisoformat(values["date_of_birth"]),
            nationality=values["nationality"],
            document_kind=DocumentKind(values["document_kind"]),
            document_number=values["document_number"],
            issuing_country=values["issuing_country"],
            document_expiry=date.fromisoformat(values["document_expiry"]),
        )


@dataclass(frozen=True, slots=True)
class PersonalDataInput:
    """Personal data as the customer gave it, before :func:`validate_personal_data`."""

    given_names: str
    surname: str
    date_of_birth: date
    nationality: str
    document_kind: str
    document_number: str
    issuing_country: str
    document_expiry: date


def validate_personal_data(given: PersonalDataInput, today: date) -> PersonalData:
    """Normalize and check declared data; raises ``InvalidPersonalData`` naming the field.

    Only the form is judged here (a real name, a plausible birth date, a known country).
    Whether the data is *true* (age, expiry, the document's own data) is for the checks,
    so that a refusal on facts is a recorded decision, not an input error.
    """
    kind = _choice(given.document_kind, IDENTITY_DOCUMENTS, "document_kind")
    number = re.sub(r"[\s\-]", "", given.document_number).upper()
    if not _DOCUMENT_NUMBER.fullmatch(number):
        raise InvalidPersonalData("1 to 20 letters and digits", field="document_number")
    if not date(1900, 1, 1) <= given.date_of_birth <= today:
        raise InvalidPersonalData("a date of birth in the past", field="date_of_birth")
    if not date(1990, 1, 1) <= given.document_expiry <= date(today.year + 20, 12, 31):
        raise InvalidPersonalData("the document's expiry date", field="document_expiry")
    return PersonalData(
        given_names=_name(given.given_names, "given_names"),
        surname=_name(given.surname, "surname"),
        date_of_birth=given.date_of_birth,
        nationality=country_alpha3(given.nationality, "nationality"),
        document_kind=kind,
        document_number=number,
        issuing_country=country_alpha3(given.issuing_country, "issuing_country"),
        document_expiry=given.document_expiry,
    )


def country_alpha3(raw: str, field_name: str) -> str:
    """An ISO 3166-1 country as alpha-3, from alpha-2 or alpha-3 in any case."""
    code = raw.strip().upper()
    found = None
    if code.isascii() and code.isalpha() and len(code) == 2:
        found = pycountry.countries.get(alpha_2=code)
    elif code.isascii() and code.isalpha() and len(code) == 3:
        found = pycountry.countries.get(alpha_3=code)
    if found is None:
        raise InvalidPersonalData("an ISO 3166 country code like CZ or CZE", field=field_name)
    return str(found.alpha_3)


def _name(raw: str, field_name: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 80 or not _NAME.fullmatch(name):
        raise InvalidPersonalData("a name of letters, 1 to 80 characters", field=field_name)
    return name


def _choice(raw: str, allowed: tuple[DocumentKind, ...], field_name: str) -> DocumentKind:
    for kind in allowed:
        if raw == kind.value:
            return kind
    raise InvalidPersonalData("one of " + ", ".join(k.value for k in allowed), field=field_name)


def age_on(born: date, today: date) -> int:
    """Full years from ``born`` to ``today`` (someone born on 29 February turns a year
    older on 1 March in common years)."""
    years = today.year - born.year
    return years - 1 if (today.month, today.day) < (born.month, born.day) else years


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A stored document's facts; its bytes only through the staff call."""

    id: UUID
    application_id: UUID
    kind: DocumentKind
    media_type: str
    size: int
    width: int | None
    height: int | None
    pages: int | None
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """An application without its personal data (that is for staff, see the service)."""

    id: UUID
    customer_id: UUID
    status: ApplicationStatus
    attempt: int | None  # 1..3 once submitted
    has_personal_data: bool
    documents: tuple[DocumentView, ...]
    decision: Decision | None
    reasons: tuple[str, ...]
    scores: dict[str, int] = field(default_factory=dict)
    decided_by: str | None = None
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    decided_at: datetime | None = None

    def document(self, kind: DocumentKind) -> DocumentView | None:
        return next((d for d in self.documents if d.kind is kind), None)


@dataclass(frozen=True, slots=True)
class DocumentContent:
    """A document's bytes, for staff."""

    document_id: UUID
    kind: DocumentKind
    media_type: str
    content: bytes
