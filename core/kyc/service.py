"""KYC commands and queries: the one entry point the API, ``BankAPI`` and staff tools use."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID, uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor, ActorKind
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import CustomerNotFound, CustomerService
from core.errors import CoreError, ValidationFailed
from core.jobs import JobQueue, Jobs
from core.kyc import repository, rotation
from core.kyc.documents import DocumentDesk, KycPorts
from core.kyc.eligibility import PERSONAL_CONTEXT, check_complete, may_apply
from core.kyc.errors import (
    ApplicationIncomplete,
    ApplicationNotEditable,
    NotInReview,
    StaffOnly,
)
from core.kyc.model import (
    ApplicationStatus,
    ApplicationView,
    Decision,
    DocumentContent,
    DocumentView,
    PersonalData,
    PersonalDataInput,
    validate_personal_data,
)
from core.kyc.processing import DocumentSeen, KycProcessor
from core.kyc.tables import kyc_applications
from core.persistence.database import Database
from core.persistence.tables import customers
from core.persistence.types import AnyRow

__all__ = ["KycPorts", "KycService", "PersonalDataInput"]


class KycService:
    """Applications from start to decision; staff reviews; documents for staff."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keyring: Keyring,
        customers: CustomerService,
        queue: JobQueue,
        ports: KycPorts | None = None,
        document_seen: DocumentSeen | None = None,
    ) -> None:
        """``ports`` None: no scanner and store are configured, so no file is accepted."""
        self._db = db
        self._clock = clock
        self._keys = keyring
        self._customers = customers
        self._documents = DocumentDesk(db, clock, keyring, ports)
        self._processor = KycProcessor(
            db, clock, keyring, customers, queue, self._documents, document_seen
        )

    def jobs(self) -> Jobs:
        """The processing task and the sweep that finds applications left behind."""
        return self._processor.jobs()

    # -- the customer's side ----------------------------------------------------------

    async def start(self, customer_id: UUID, actor: Actor) -> ApplicationView:
        """Open a draft application, or return the draft the customer already has."""
        target = f"customer:{customer_id}"
        async with (
            self._audited(actor, "kyc_start_application", target),
            self._db.transaction() as conn,
        ):
            status = await self._lock_customer(conn, customer_id)
            rows = (
                await conn.execute(
                    select(kyc_applications).where(kyc_applications.c.customer_id == customer_id)
                )
            ).all()
            if draft := next((r for r in rows if r.status == "draft"), None):
                return await repository.application_view(conn, draft.id)
            may_apply(status, rows)
            application_id, now = uuid4(), self._clock.now()
            await conn.execute(
                insert(kyc_applications).values(
                    id=application_id,
                    customer_id=customer_id,
                    status=ApplicationStatus.DRAFT.value,
                    reasons=[],
                    scores={},
                    created_at=now,
                    updated_at=now,
                )
            )
            await record(conn, now, actor, "kyc_start_application", _target(application_id))
            return await repository.application_view(conn, application_id)

    async def set_personal_data(
        self, application_id: UUID, data: PersonalDataInput, actor: Actor
    ) -> ApplicationView:
        """Record (or replace) the declared personal data of a draft, encrypted."""
        async with self._audited(actor, "kyc_set_personal_data", _target(application_id)):
            now = self._clock.now()
            personal = validate_personal_data(data, now.date())
            async with self._db.transaction() as conn:
                row = await repository.application_row(conn, application_id, lock=True)
                if row.status != ApplicationStatus.DRAFT.value:
                    raise ApplicationNotEditable(application_id=str(row.id), status=row.status)
                await conn.execute(
                    update(kyc_applications)
                    .where(kyc_applications.c.id == application_id)
                    .values(
                        personal_enc=self._keys.encrypt(
                            personal.to_json(), context=PERSONAL_CONTEXT
                        ),
                        document_number_index=self._document_index(personal),
                        updated_at=now,
                    )
                )
                details = {"document_kind": personal.document_kind.value}
                await record(
                    conn, now, actor, "kyc_set_personal_data", _target(application_id), details
                )
                return await repository.application_view(conn, application_id)

    async def add_document(
        self, application_id: UUID, kind: str, content: bytes, actor: Actor
    ) -> DocumentView:
        """Add a passport, ID card or selfie to a draft (replacing one of the same kind).

        The file is judged by its content (``core.kyc.files``) and scanned before it is
        stored; a refused file leaves nothing behind but an audit record of the refusal.
        """
        async with self._audited(actor, "kyc_upload_document", _target(application_id)):
            return await self._documents.add(application_id, kind, content, actor)

    async def submit(self, application_id: UUID, actor: Actor) -> ApplicationView:
        """Submit a complete draft for checking: it becomes the customer's next attempt.

        An application whose reviewer asked for more documents goes back to manual review
        (the same attempt) once at least one document was added since the request.
        Submitting an application in any other state returns it unchanged.
        """
        async with self._audited(actor, "kyc_submit", _target(application_id)):
            async with self._db.read() as conn:
                customer_id = (await repository.application_row(conn, application_id)).customer_id
            async with self._db.transaction() as conn:
                status = await self._lock_customer(conn, customer_id)
                row = await repository.application_row(conn, application_id, lock=True)
                if row.status == ApplicationStatus.MORE_DOCUMENTS.value:
                    await self._resubmit(conn, row, actor)
                    return await repository.application_view(conn, application_id)
                if row.status != ApplicationStatus.DRAFT.value:
                    return await repository.application_view(conn, application_id)
                check_complete(
                    row, await repository.document_rows(conn, application_id), self._keys
                )
                others = (
                    await conn.execute(
                        select(kyc_applications).where(
                            kyc_applications.c.customer_id == customer_id
                        )
                    )
                ).all()
                may_apply(status, [r for r in others if r.id != application_id])
                attempt = 1 + sum(r.attempt is not None for r in others)
                now = self._clock.now()
                await conn.execute(
                    update(kyc_applications)
                    .where(kyc_applications.c.id == application_id)
                    .values(
                        status=ApplicationStatus.SUBMITTED.value,
                        attempt=attempt,
                        submitted_at=now,
                        updated_at=now,
                    )
                )
                await record(
                    conn, now, actor, "kyc_submit", _target(application_id), {"attempt": attempt}
                )
        # Pending before the job is deferred: a decision can only come after it.
        if status is not KycStatus.PENDING:
            await self._customers.set_kyc_status(customer_id, KycStatus.PENDING, actor)
        await self._processor.defer(application_id)
        return await self.get(application_id)

    async def get(self, application_id: UUID) -> ApplicationView:
        async with self._db.read() as conn:
            return await repository.application_view(conn, application_id)

    async def for_customer(self, customer_id: UUID) -> list[ApplicationView]:
        """The customer's applications, oldest first; ``CUSTOMER_NOT_FOUND`` if unknown."""
        await self._customers.get(customer_id)
        async with self._db.read() as conn:
            return await repository.views_where(
                conn, kyc_applications.c.customer_id == customer_id
            )

    # -- background -------------------------------------------------------------------

    async def process(self, application_id: UUID) -> None:
        """Run the checks of a submitted application and announce the decision."""
        await self._processor.process(application_id)

    # -- staff --------------------------------------------------------------------------

    async def review_queue(self) -> list[ApplicationView]:
        """Applications waiting for a staff decision, oldest first."""
        async with self._db.read() as conn:
            return await repository.views_where(
                conn, kyc_applications.c.status == ApplicationStatus.MANUAL_REVIEW.value
            )

    async def decide(
        self,
        application_id: UUID,
        decision: Decision,
        reason: str,
        actor: Actor,
        *,
        code: str | None = None,
    ) -> ApplicationView:
        """A staff decision on an application in manual review: verified or rejected.

        ``reason`` is free text, stored encrypted; ``code`` (``[A-Z_]``, optional) is the
        reason's category, kept in the audit log, which never holds the free text.
        """
        async with self._audited(actor, "kyc_review", _target(application_id)):
            _staff(actor)
            if decision not in (Decision.VERIFIED, Decision.REJECTED):
                raise ValidationFailed("verified or rejected", field="decision")
            if code is not None and not _CODE.fullmatch(code):
                raise ValidationFailed("a reason code of capital letters", field="code")
            note = _note(reason, "reason")
            now = self._clock.now()
            async with self._db.transaction() as conn:
                row = await repository.application_row(conn, application_id, lock=True)
                if row.status != ApplicationStatus.MANUAL_REVIEW.value:
                    raise NotInReview(application_id=str(row.id), status=row.status)
                await conn.execute(
                    update(kyc_applications)
                    .where(kyc_applications.c.id == application_id)
                    .values(
                        status=decision.status.value,
                        decision=decision.value,
                        review_note_enc=self._keys.encrypt(note, context=rotation.NOTE_CONTEXT),
                        decided_by=str(actor),
                        decided_at=now,
                        updated_at=now,
                    )
                )
                details = {"decision": decision.value, "previous": row.decision}
                if code is not None:
                    details["code"] = code
                await record(conn, now, actor, "kyc_review", _target(application_id), details)
        await self._processor.announce(application_id, actor)
        return await self.get(application_id)

    async def request_documents(
        self, application_id: UUID, message: str, actor: Actor
    ) -> ApplicationView:
        """Ask the customer of an application in manual review for more documents.

        ``message`` (what to send, in the reviewer's words) is stored encrypted and goes to
        the customer's chat with the ``kyc.decided`` event (decision ``more_documents``).
        The customer may then add documents and submit again; the application returns to
        manual review as the same attempt.
        """
        target = _target(application_id)
        async with self._audited(actor, "kyc_request_documents", target):
            _staff(actor)
            note = _note(message, "message")
            now = self._clock.now()
            async with self._db.transaction() as conn:
                row = await repository.application_row(conn, application_id, lock=True)
                if row.status != ApplicationStatus.MANUAL_REVIEW.value:
                    raise NotInReview(application_id=str(row.id), status=row.status)
                await conn.execute(
                    update(kyc_applications)
                    .where(kyc_applications.c.id == application_id)
                    .values(
                        status=ApplicationStatus.MORE_DOCUMENTS.value,
                        decision=Decision.MORE_DOCUMENTS.value,
                        review_note_enc=self._keys.encrypt(note, context=rotation.NOTE_CONTEXT),
                        decided_by=str(actor),
                        decided_at=now,
                        updated_at=now,
                    )
                )
                await record(conn, now, actor, "kyc_request_documents", target)
        await self._processor.announce(application_id, actor)
        return await self.get(application_id)

    async def personal_data(self, application_id: UUID, actor: Actor) -> PersonalData:
        """The declared personal data, for staff; every reading is audited."""
        async with self._audited(actor, "kyc_view_personal_data", _target(application_id)):
            _staff(actor)
            async with self._db.transaction() as conn:
                row = await repository.application_row(conn, application_id)
                if row.personal_enc is None:
                    raise ApplicationIncomplete(missing="personal_data")
                await record(
                    conn,
                    self._clock.now(),
                    actor,
                    "kyc_view_personal_data",
                    _target(application_id),
                )
            return PersonalData.from_json(
                self._keys.decrypt(row.personal_enc, context=PERSONAL_CONTEXT)
            )

    async def document_content(self, document_id: UUID, actor: Actor) -> DocumentContent:
        """A document's bytes for an authorised staff member; audited.

        The back office serves them through single-use, expiring links; this is the call
        behind such a link.
        """
        async with self._audited(actor, "kyc_view_document", f"kyc_document:{document_id}"):
            _staff(actor)
            return await self._documents.for_staff(document_id, actor)

    async def rotate_encryption(self, actor: Actor, *, batch: int = 500) -> int:
        """Re-encrypt KYC personal data and re-wrap document keys still under an older
        key (the files themselves stay as they are); returns rows changed."""
        return await rotation.rotate(self._db, self._clock, self._keys, actor, batch)

    # -- helpers ------------------------------------------------------------------------

    @asynccontextmanager
    async def _audited(self, actor: Actor, action: str, target: str) -> AsyncIterator[None]:
        try:
            yield
        except CoreError as exc:
            await record_rejection(self._db, self._clock.now(), actor, action, target, exc)
            raise

    async def _lock_customer(self, conn: AsyncConnection, customer_id: UUID) -> KycStatus:
        # The customer's row serializes their applications: one start or submit at a time.
        status = (
            await conn.execute(
                select(customers.c.kyc_status)
                .where(customers.c.id == customer_id)
                .with_for_update()
            )
        ).scalar()
        if status is None:
            raise CustomerNotFound(customer_id=str(customer_id))
        return KycStatus(status)

    async def _resubmit(self, conn: AsyncConnection, row: AnyRow, actor: Actor) -> None:
        # Back to the review queue, once something new came in since the request. The
        # decision is marked announced at once: the chat already told the customer.
        documents = await repository.document_rows(conn, row.id)
        check_complete(row, documents, self._keys)
        if not any(d.uploaded_at > row.decided_at for d in documents):
            raise ApplicationIncomplete(missing="new_document")
        now = self._clock.now()
        review = Decision.MANUAL_REVIEW.value
        await conn.execute(
            update(kyc_applications)
            .where(kyc_applications.c.id == row.id)
            .values(
                status=ApplicationStatus.MANUAL_REVIEW.value,
                decision=review,
                announced=review,
                decided_at=now,
                updated_at=now,
            )
        )
        await record(conn, now, actor, "kyc_resubmit", _target(row.id), {"attempt": row.attempt})

    def _document_index(self, personal: PersonalData) -> str:
        value = f"{personal.issuing_country}:{personal.document_number}"
        return self._keys.blind_index(value, context="kyc.document_number")


def _target(application_id: UUID) -> str:
    return f"kyc_application:{application_id}"


_CODE = re.compile(r"[A-Z][A-Z_]{0,39}")


def _note(text: str, field: str) -> str:
    note = " ".join(text.split())
    if not 1 <= len(note) <= 500 or not note.isprintable():
        raise ValidationFailed(f"a {field} of 1 to 500 characters", field=field)
    return note


def _staff(actor: Actor) -> None:
    # API clients reach staff operations only through routes that demand a staff role.
    if actor.kind not in (ActorKind.STAFF, ActorKind.API_CLIENT):
        raise StaffOnly()
