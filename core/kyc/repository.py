"""Reading applications and documents, and turning rows into views."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.kyc.errors import ApplicationNotFound, DocumentNotFound
from core.kyc.model import (
    MAX_ATTEMPTS,
    ApplicationStatus,
    ApplicationView,
    Decision,
    DocumentKind,
    DocumentView,
)
from core.kyc.tables import kyc_applications, kyc_documents
from core.persistence.types import AnyRow


async def application_row(
    conn: AsyncConnection, application_id: UUID, *, lock: bool = False
) -> AnyRow:
    query = select(kyc_applications).where(kyc_applications.c.id == application_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        raise ApplicationNotFound(application_id=str(application_id))
    return row


async def document_rows(conn: AsyncConnection, application_id: UUID) -> list[AnyRow]:
    query = (
        select(kyc_documents)
        .where(kyc_documents.c.application_id == application_id)
        .order_by(kyc_documents.c.kind)
    )
    return list((await conn.execute(query)).all())


async def document_row(conn: AsyncConnection, document_id: UUID) -> AnyRow:
    query = select(kyc_documents).where(kyc_documents.c.id == document_id)
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        raise DocumentNotFound(document_id=str(document_id))
    return row


async def application_view(conn: AsyncConnection, application_id: UUID) -> ApplicationView:
    row = await application_row(conn, application_id)
    return view_of(row, await document_rows(conn, application_id))


async def views_where(conn: AsyncConnection, *conditions: object) -> list[ApplicationView]:
    """Applications matching ``conditions``, oldest first, with their documents."""
    rows = (
        await conn.execute(
            select(kyc_applications)
            .where(*conditions)  # type: ignore[arg-type]
            .order_by(
                kyc_applications.c.created_at,
                # Attempts in order, drafts (no attempt yet) last, on every backend.
                func.coalesce(kyc_applications.c.attempt, MAX_ATTEMPTS + 1),
                kyc_applications.c.id,
            )
        )
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    documents = (
        await conn.execute(
            select(kyc_documents)
            .where(kyc_documents.c.application_id.in_(ids))
            .order_by(kyc_documents.c.kind)
        )
    ).all()
    by_application: dict[UUID, list[AnyRow]] = {}
    for document in documents:
        by_application.setdefault(document.application_id, []).append(document)
    return [view_of(row, by_application.get(row.id, [])) for row in rows]


def document_view(row: AnyRow) -> DocumentView:
    return DocumentView(
        id=row.id,
        application_id=row.application_id,
        kind=DocumentKind(row.kind),
        media_type=row.media_type,
        size=row.size,
        width=row.width,
        height=row.height,
        pages=row.pages,
        uploaded_at=row.uploaded_at,
    )


def view_of(row: AnyRow, documents: list[AnyRow]) -> ApplicationView:
    return ApplicationView(
        id=row.id,
        customer_id=row.customer_id,
        status=ApplicationStatus(row.status),
        attempt=row.attempt,
        has_personal_data=row.personal_enc is not None,
        documents=tuple(document_view(d) for d in documents),
        decision=None if row.decision is None else Decision(row.decision),
        reasons=tuple(row.reasons),
        scores={str(k): int(v) for k, v in dict(row.scores).items()},
        decided_by=row.decided_by,
        created_at=row.created_at,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
    )
