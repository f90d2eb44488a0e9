"""KYC's tables: applications and their documents (on the core's one ``metadata``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)

from core.persistence.tables import metadata
from core.persistence.types import UtcDateTime

kyc_applications = Table(
    "kyc_applications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("customers.id"), nullable=False),
    # draft | submitted | manual_review | more_documents | verified | rejected
    Column("status", String(16), nullable=False),
    # The customer's n-th submitted application. Unique per customer and at most 3, so the
    # database itself refuses a fourth attempt, even from two submits at once.
    Column("attempt", Integer),
    # The declared personal data, as encrypted JSON (core.crypto), and a keyed hash of the
    # document number to find the same document on other customers' applications.
    Column("personal_enc", Text),
    Column("document_number_index", String(64)),
    Column("decision", String(16)),
    Column("reasons", JSON, nullable=False),  # reason codes of the failed checks
    Column("scores", JSON, nullable=False),  # check name -> 0..100, and "overall"
    Column("review_note_enc", Text),  # a staff decision's reason, encrypted
    Column("decided_by", String(80)),
    # The decision whose consequences are done: the customer's kyc_status set and
    # kyc.decided written. Differs from `decision` while they are pending.
    Column("announced", String(16)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime),
    Column("decided_at", UtcDateTime),
    CheckConstraint("attempt IS NULL OR (attempt >= 1 AND attempt <= 3)", name="attempt_range"),
    UniqueConstraint("customer_id", "attempt"),
)
Index("ix_kyc_applications_customer", kyc_applications.c.customer_id)
Index("ix_kyc_applications_status", kyc_applications.c.status, kyc_applications.c.submitted_at)
Index("ix_kyc_applications_document", kyc_applications.c.document_number_index)

kyc_documents = Table(
    "kyc_documents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("application_id", Uuid, ForeignKey("kyc_applications.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # passport | id_card | selfie
    Column("media_type", String(32), nullable=False),  # from the content, never the client
    Column("size", Integer, nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("pages", Integer),
    Column("storage_key", String(200), nullable=False),
    Column("key_enc", Text, nullable=False),  # the file's data key, wrapped by the keyring
    Column("uploaded_at", UtcDateTime, nullable=False),
    UniqueConstraint("application_id", "kind"),
)
