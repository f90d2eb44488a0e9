"""The background side of KYC: checking a submitted application, deciding, announcing.

Delivery is at least once, so every step finds its work in the application's state and
does nothing when it is done already:

1. ``submitted`` → the checks run and the decision is recorded (an UPDATE guarded by
   the status, so two runs cannot both decide);
2. a decision not yet ``announced`` → the customer's ``kyc_status`` follows it (through
   ``CustomerService.set_kyc_status``), then ``kyc.decided`` is written in the same
   transaction that marks the decision announced. The status changes *before* the event,
   so whoever reacts to ``kyc.decided`` (card issuing) already sees the new KYC level.

A sweep re-defers applications stuck between steps (a crash, a lost job) once they have
waited :data:`SWEEP_GRACE`, so a job deferred at submission always wins the race.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, exists, or_, select, update

from core import events
from core.actors import SYSTEM, Actor
from core.audit.log import record
from core.clock import Clock
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import CustomerService
from core.jobs import Backoff, JobQueue, Jobs, Periodic, Task
from core.kyc import repository, rotation
from core.kyc.checks import Assessment, Evidence, MrzReading, assess
from core.kyc.documents import DocumentDesk
from core.kyc.eligibility import declared_data
from core.kyc.model import ApplicationStatus, Decision, PersonalData
from core.kyc.mrz import Mrz, find_mrz
from core.kyc.tables import kyc_applications
from core.persistence.database import Database
from core.persistence.types import AnyRow

# (customer, issuing country, document number, actor): told of every decided application's
# identity document, e.g. so that referral rewards are not paid twice for one person.
DocumentSeen = Callable[[UUID, str, str, Actor], Awaitable[None]]

log = logging.getLogger(__name__)

PROCESS_TASK = "kyc.process_application"
SWEEP = "kyc.sweep"
SWEEP_EVERY = timedelta(minutes=5)
SWEEP_GRACE = timedelta(minutes=2)
_STATUS_OF = {
    Decision.VERIFIED: KycStatus.VERIFIED,
    Decision.REJECTED: KycStatus.REJECTED,
    Decision.MANUAL_REVIEW: KycStatus.PENDING,
    Decision.MORE_DOCUMENTS: KycStatus.PENDING,
}


def job_key(application_id: UUID) -> str:
    return f"kyc:{application_id}"


class KycProcessor:
    """Runs the checks and carries decisions through to the customer and the outbox."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keyring: Keyring,
        customers: CustomerService,
        queue: JobQueue,
        desk: DocumentDesk,
        document_seen: DocumentSeen | None = None,
    ) -> None:
        self._db = db
        self._document_seen = document_seen
        self._clock = clock
        self._keys = keyring
        self._customers = customers
        self._queue = queue
        self._desk = desk

    def jobs(self) -> Jobs:
        return Jobs(
            tasks=[
                Task(
                    PROCESS_TASK,
                    self._run,
                    Backoff(attempts=6, first=timedelta(seconds=10), cap=timedelta(minutes=10)),
                )
            ],
            periodic=[Periodic(SWEEP, SWEEP_EVERY, self._sweep)],
        )

    async def defer(self, application_id: UUID) -> None:
        await self._queue.defer(
            PROCESS_TASK, {"application_id": str(application_id)}, key=job_key(application_id)
        )

    async def _sweep(self, due: datetime) -> None:
        await self.sweep(due)

    async def _run(self, payload: Mapping[str, Any]) -> None:
        await self.process(UUID(str(payload["application_id"])))

    async def process(self, application_id: UUID) -> None:
        """Decide a submitted application and announce its decision; idempotent."""
        async with self._db.read() as conn:
            row = await repository.application_row(conn, application_id)
        if row.status == ApplicationStatus.SUBMITTED.value:
            assessment = await self._assess(row)
            await self._record(row, assessment)
        await self.announce(application_id, SYSTEM)

    async def sweep(self, due: datetime) -> int:
        """Defer again every application left between steps; returns how many."""
        before = due - SWEEP_GRACE
        app = kyc_applications.c
        stuck = or_(
            and_(app.status == ApplicationStatus.SUBMITTED.value, app.submitted_at <= before),
            and_(
                app.decision.is_not(None),
                or_(app.announced.is_(None), app.announced != app.decision),
                app.decided_at <= before,
            ),
        )
        async with self._db.read() as conn:
            ids = (await conn.execute(select(app.id).where(stuck))).scalars().all()
        for application_id in ids:
            await self.defer(application_id)
        if ids:
            log.info("re-deferred %d KYC applications", len(ids))
        return len(ids)

    async def announce(self, application_id: UUID, actor: Actor) -> None:
        """Make the customer's status follow the decision, then write ``kyc.decided`` once."""
        async with self._db.read() as conn:
            row = await repository.application_row(conn, application_id)
        if row.decision is None or row.announced == row.decision:
            return
        decision = Decision(row.decision)
        wanted = _STATUS_OF[decision]
        customer = await self._customers.get(row.customer_id)
        if self._document_seen is not None:
            # Before the announcement: whoever reacts to it (referral rewards) can then
            # tell a document already seen on another customer. Idempotent, like the rest.
            declared = declared_data(row, self._keys)
            await self._document_seen(
                row.customer_id, declared.issuing_country, declared.document_number, actor
            )
        if customer.kyc_status is not wanted:
            await self._customers.set_kyc_status(row.customer_id, wanted, actor)
        now = self._clock.now()
        async with self._db.transaction() as conn:
            app = kyc_applications.c
            result = await conn.execute(
                update(kyc_applications)
                .where(
                    app.id == application_id,
                    app.decision == decision.value,
                    or_(app.announced.is_(None), app.announced != decision.value),
                )
                .values(announced=decision.value, updated_at=now)
            )
            if result.rowcount == 0:  # announced meanwhile by another run
                return
            payload = {"customer_id": str(row.customer_id), "decision": decision.value}
            if decision is Decision.MORE_DOCUMENTS and row.review_note_enc is not None:
                # What the reviewer asks of the customer goes to the customer's chat
                # (decision 0081); a rejection's reason stays with the bank.
                payload["application_id"] = str(application_id)
                payload["message"] = self._keys.decrypt(
                    row.review_note_enc, context=rotation.NOTE_CONTEXT
                )
            await events.record(conn, "kyc.decided", row.customer_id, payload, now)
            await record(
                conn,
                now,
                actor,
                "kyc_announce_decision",
                f"kyc_application:{application_id}",
                {"decision": decision.value, "kyc_status": wanted.value},
            )

    async def _assess(self, row: AnyRow) -> Assessment:
        declared = declared_data(row, self._keys)
        customer = await self._customers.get(row.customer_id)
        mrz, reading = await self._read_mrz(row.id, declared)
        async with self._db.read() as conn:
            app = kyc_applications.c
            in_use = (
                await conn.execute(
                    select(
                        exists().where(
                            app.document_number_index == row.document_number_index,
                            app.customer_id != row.customer_id,
                            app.attempt.is_not(None),
                        )
                    )
                )
            ).scalar()
        evidence = Evidence(
            declared=declared,
            registered_name=customer.full_name,
            mrz=mrz,
            mrz_reading=reading,
            document_in_use=bool(in_use),
            today=self._clock.now().date(),
        )
        return assess(evidence)

    async def _read_mrz(
        self, application_id: UUID, declared: PersonalData
    ) -> tuple[Mrz | None, MrzReading]:
        reader = self._desk.mrz_reader
        if reader is None:
            return None, MrzReading.NOT_READ
        async with self._db.read() as conn:
            rows = await repository.document_rows(conn, application_id)
        document = next(r for r in rows if r.kind == declared.document_kind.value)
        text = await reader.read(await self._desk.content(document), document.media_type)
        if text is None:
            return None, MrzReading.NOT_READ
        try:
            mrz = find_mrz(text, today=self._clock.now().date())
        except ValueError:
            mrz = None
        return mrz, (MrzReading.FOUND if mrz else MrzReading.UNREADABLE)

    async def _record(self, row: AnyRow, assessment: Assessment) -> None:
        now = self._clock.now()
        decision = assessment.decision
        async with self._db.transaction() as conn:
            result = await conn.execute(
                update(kyc_applications)
                .where(
                    kyc_applications.c.id == row.id,
                    kyc_applications.c.status == ApplicationStatus.SUBMITTED.value,
                )
                .values(
                    status=decision.status.value,
                    decision=decision.value,
                    reasons=list(assessment.reasons),
                    scores=assessment.scores,
                    decided_by=str(SYSTEM),
                    decided_at=now,
                    updated_at=now,
                )
            )
            if result.rowcount == 0:
                return
            await record(
                conn,
                now,
                SYSTEM,
                "kyc_decide",
                f"kyc_application:{row.id}",
                {
                    "decision": decision.value,
                    "reasons": ",".join(assessment.reasons),
                    "score": assessment.scores["overall"],
                },
            )
