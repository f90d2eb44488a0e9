"""What the KYC pages show: the queue's rows and an application's facts, built from core's
views. Waiting time counts from when the application (last) entered manual review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from core.bank import Bank
from core.customers.service import CustomerNotFound
from core.kyc.model import ApplicationView, DocumentKind, DocumentView

# Categories a reviewer picks for a rejection; the free text says the rest (decision 0081).
REJECT_CODES = (
    "DOCUMENT_UNREADABLE",
    "DOCUMENT_NOT_GENUINE",
    "DOCUMENT_EXPIRED",
    "SELFIE_MISMATCH",
    "DATA_MISMATCH",
    "DOCUMENT_IN_USE",
    "OTHER",
)
KNOWN_REASONS = frozenset(
    {
        "UNDERAGE",
        "DOCUMENT_EXPIRED",
        "DATE_OF_BIRTH_MISMATCH",
        "NAME_MISMATCH",
        "DOCUMENT_NAME_MISMATCH",
        "MRZ_CHECK_DIGITS",
        "MRZ_UNREADABLE",
        "MRZ_NOT_READ",
        "DOCUMENT_NUMBER_MISMATCH",
        "NATIONALITY_MISMATCH",
        "DOCUMENT_TYPE_MISMATCH",
        "DOCUMENT_IN_USE",
    }
)
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


@dataclass(frozen=True, slots=True)
class QueueRow:
    application: ApplicationView
    customer_name: str
    since: datetime
    waited_minutes: int


def since(application: ApplicationView) -> datetime:
    """When the application entered manual review (again, after more documents)."""
    found = application.decided_at or application.submitted_at or application.created_at
    assert found is not None
    return found


async def customer_name(bank: Bank, customer_id: UUID) -> str:
    try:
        return (await bank.customers.get(customer_id)).full_name
    except CustomerNotFound:
        return "—"


async def queue_rows(bank: Bank, now: datetime) -> list[QueueRow]:
    """Applications in manual review, the longest waiting first."""
    rows = []
    for application in await bank.kyc.review_queue():
        started = since(application)
        minutes = max(0, int((now - started).total_seconds() // 60))
        name = await customer_name(bank, application.customer_id)
        rows.append(QueueRow(application, name, started, minutes))
    return sorted(rows, key=lambda r: (r.since, str(r.application.id)))


def waited(minutes: int) -> tuple[str, dict[str, int]]:
    """A text key and its values for a waiting time."""
    if minutes < 60:
        return "kyc.waited_minutes", {"minutes": minutes}
    if minutes < 48 * 60:
        return "kyc.waited_hours", {"hours": minutes // 60, "minutes": minutes % 60}
    return "kyc.waited_days", {"days": minutes // (24 * 60), "hours": minutes // 60 % 24}


def reason_key(code: str) -> str | None:
    return f"kyc.reason_{code}" if code in KNOWN_REASONS else None


def ordered_documents(application: ApplicationView) -> list[DocumentView]:
    """The identity document first, the selfie last."""
    return sorted(application.documents, key=lambda d: d.kind is DocumentKind.SELFIE)
