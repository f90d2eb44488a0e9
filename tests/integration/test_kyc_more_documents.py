"""Staff ask for more documents: the customer is told, adds files, and the application goes
back to manual review as the same attempt (decision 0081)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from core.actors import SYSTEM, Actor, ActorKind
from core.audit.log import recent
from core.bank import Bank
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import NewCustomer
from core.errors import ValidationFailed
from core.kyc.documents import KycPorts
from core.kyc.errors import (
    ApplicationIncomplete,
    ApplicationNotEditable,
    ApplicationOpen,
    NotInReview,
    StaffOnly,
)
from core.kyc.model import ApplicationStatus, Decision
from core.persistence.database import Database
from core.persistence.tables import events
from integrations.documents.local import LocalDocumentStore
from integrations.virusscan.development import DevelopmentScanner
from tests.fakes import MutableClock, run_jobs
from tests.kyc_support import Applicant, bank_with_kyc, selfie

CHAT = Actor(ActorKind.API_CLIENT, "chat")
REVIEWER = Actor(ActorKind.STAFF, "reviewer")
JANA = Applicant()
ASK = "Please send a sharper photo of your passport's photo page."


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path) -> Bank:
    # No MRZ reader: every application goes to staff.
    ports = KycPorts(LocalDocumentStore(tmp_path / "documents"), DevelopmentScanner(), None)
    built = bank_with_kyc(database, keyring, clock, tmp_path, ports)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def in_review(bank: Bank) -> tuple[UUID, UUID]:
    customer = await bank.customers.create(NewCustomer(JANA.full_name), SYSTEM)
    draft = await bank.kyc.start(customer.id, CHAT)
    await bank.kyc.set_personal_data(draft.id, JANA.personal_data(), CHAT)
    await bank.kyc.add_document(draft.id, "passport", JANA.passport(), CHAT)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), CHAT)
    await bank.kyc.submit(draft.id, CHAT)
    await run_jobs(bank)
    assert (await bank.kyc.get(draft.id)).status is ApplicationStatus.MANUAL_REVIEW
    return customer.id, draft.id


async def decided_events(bank: Bank) -> list[dict[str, str]]:
    async with bank.db.read() as conn:
        query = select(events.c.payload).where(events.c.type == "kyc.decided")
        rows = (await conn.execute(query.order_by(events.c.id))).all()
    return [dict(r.payload) for r in rows]


async def actions(bank: Bank) -> list[str]:
    async with bank.db.read() as conn:
        return [r.action for _, r in await recent(conn, limit=500)]


async def test_asking_for_documents_tells_the_customer_with_the_message(bank: Bank) -> None:
    customer_id, application_id = await in_review(bank)
    view = await bank.kyc.request_documents(application_id, f"  {ASK} ", REVIEWER)
    assert view.status is ApplicationStatus.MORE_DOCUMENTS
    assert view.decision is Decision.MORE_DOCUMENTS
    assert (await bank.customers.get(customer_id)).kyc_status is KycStatus.PENDING
    last = (await decided_events(bank))[-1]
    assert last == {
        "customer_id": str(customer_id),
        "decision": "more_documents",
        "application_id": str(application_id),
        "message": ASK,
    }
    assert "kyc_request_documents" in await actions(bank)
    assert await bank.kyc.review_queue() == []


async def test_new_documents_and_a_submit_bring_it_back_to_review(
    bank: Bank, clock: MutableClock
) -> None:
    customer_id, application_id = await in_review(bank)
    before = await bank.kyc.get(application_id)
    await bank.kyc.request_documents(application_id, ASK, REVIEWER)
    with pytest.raises(ApplicationIncomplete):  # nothing new yet
        await bank.kyc.submit(application_id, CHAT)
    with pytest.raises(ApplicationOpen):  # no second application meanwhile
        await bank.kyc.start(customer_id, CHAT)
    clock.advance(seconds=30)
    await bank.kyc.add_document(application_id, "passport", JANA.passport(), CHAT)
    view = await bank.kyc.submit(application_id, CHAT)
    assert view.status is ApplicationStatus.MANUAL_REVIEW
    assert view.attempt == before.attempt == 1
    assert [a.id for a in await bank.kyc.review_queue()] == [application_id]
    # One announcement per staff request, none for the customer's own resubmission.
    assert [e["decision"] for e in await decided_events(bank)] == [
        "manual_review",
        "more_documents",
    ]
    assert "kyc_resubmit" in await actions(bank)
    # Then it is decided as usual.
    done = await bank.kyc.decide(
        application_id, Decision.VERIFIED, "sharp photo", REVIEWER, code="DOCUMENT_OK"
    )
    assert done.status is ApplicationStatus.VERIFIED
    assert (await bank.customers.get(customer_id)).kyc_status is KycStatus.VERIFIED
    with pytest.raises(ApplicationNotEditable):
        await bank.kyc.add_document(application_id, "selfie", selfie(), CHAT)


async def test_only_staff_may_ask_and_only_of_an_application_in_review(bank: Bank) -> None:
    _, application_id = await in_review(bank)
    with pytest.raises(StaffOnly):
        await bank.kyc.request_documents(application_id, ASK, Actor(ActorKind.CUSTOMER, "c"))
    with pytest.raises(ValidationFailed):
        await bank.kyc.request_documents(application_id, "   ", REVIEWER)
    with pytest.raises(ValidationFailed):
        await bank.kyc.decide(application_id, Decision.MORE_DOCUMENTS, ASK, REVIEWER)
    with pytest.raises(ValidationFailed):
        await bank.kyc.decide(application_id, Decision.REJECTED, "x", REVIEWER, code="bad code")
    await bank.kyc.request_documents(application_id, ASK, REVIEWER)
    with pytest.raises(NotInReview):
        await bank.kyc.request_documents(application_id, ASK, REVIEWER)
    with pytest.raises(NotInReview):
        await bank.kyc.decide(application_id, Decision.VERIFIED, "ok", REVIEWER)


async def test_two_reviewers_at_once_decide_once(bank: Bank) -> None:
    _customer_id, application_id = await in_review(bank)
    other = Actor(ActorKind.STAFF, "reviewer-2")
    results = await asyncio.gather(
        bank.kyc.request_documents(application_id, ASK, REVIEWER),
        bank.kyc.decide(application_id, Decision.VERIFIED, "looks right", other),
        return_exceptions=True,
    )
    assert sum(isinstance(r, NotInReview) for r in results) == 1
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    status = (await bank.kyc.get(application_id)).status
    announced = [e["decision"] for e in await decided_events(bank)][1:]
    assert announced == [status.value]
