"""Whether a customer may apply again, and whether an application is complete."""

from __future__ import annotations

from collections.abc import Sequence

from core.crypto import Keyring
from core.customers.model import KycStatus
from core.kyc.errors import (
    AlreadyVerified,
    ApplicationIncomplete,
    ApplicationOpen,
    AttemptsExhausted,
)
from core.kyc.model import MAX_ATTEMPTS, ApplicationStatus, DocumentKind, PersonalData
from core.persistence.types import AnyRow

PERSONAL_CONTEXT = "kyc.personal_data"  # the keyring context of the declared data
_OPEN = (
    ApplicationStatus.SUBMITTED.value,
    ApplicationStatus.MANUAL_REVIEW.value,
    ApplicationStatus.MORE_DOCUMENTS.value,
)
# Documents may be added to a draft, and to an application whose reviewer asked for more.
EDITABLE = (ApplicationStatus.DRAFT.value, ApplicationStatus.MORE_DOCUMENTS.value)


def may_apply(status: KycStatus, others: Sequence[AnyRow]) -> None:
    """Raise unless the customer may have an application besides ``others``: not verified,
    none being processed or reviewed, and fewer than three submitted."""
    if status is KycStatus.VERIFIED or any(
        r.status == ApplicationStatus.VERIFIED.value for r in others
    ):
        raise AlreadyVerified()
    if open_ := next((r for r in others if r.status in _OPEN), None):
        raise ApplicationOpen(application_id=str(open_.id))
    if sum(r.attempt is not None for r in others) >= MAX_ATTEMPTS:
        raise AttemptsExhausted(attempts=MAX_ATTEMPTS)


def check_complete(row: AnyRow, documents: Sequence[AnyRow], keys: Keyring) -> None:
    """Raise ``KYC_APPLICATION_INCOMPLETE`` naming what is missing: the personal data, the
    declared identity document, the selfie."""
    kinds = {d.kind for d in documents}
    missing = []
    if row.personal_enc is None:
        missing.append("personal_data")
    else:
        declared = declared_data(row, keys)
        if declared.document_kind.value not in kinds:
            missing.append(declared.document_kind.value)
    if DocumentKind.SELFIE.value not in kinds:
        missing.append(DocumentKind.SELFIE.value)
    if missing:
        raise ApplicationIncomplete(missing=",".join(missing))


def declared_data(row: AnyRow, keys: Keyring) -> PersonalData:
    """The application's personal data, decrypted."""
    return PersonalData.from_json(keys.decrypt(row.personal_enc, context=PERSONAL_CONTEXT))
