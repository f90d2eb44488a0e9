"""KYC end to end on the service: an application from start to decision, on both databases."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from sqlalchemy import select

from core.actors import SYSTEM, Actor, ActorKind
from core.audit.log import recent
from core.bank import Bank
from core.crypto import Keyring
from core.customers.model import KycLevel, KycStatus
from core.customers.service import NewCustomer
from core.kyc.errors import (
    AlreadyVerified,
    ApplicationIncomplete,
    ApplicationNotEditable,
    ApplicationOpen,
    AttemptsExhausted,
    NotInReview,
    StaffOnly,
)
from core.kyc.model import ApplicationStatus, ApplicationView, Decision, DocumentKind
from core.kyc.tables import kyc_applications, kyc_documents
from core.persistence.database import Database
from core.persistence.tables import events
from tests.conftest import INDEX_KEY, KEY_SPEC
from tests.fakes import MutableClock, run_jobs
from tests.kyc_support import Applicant, bank_with_kyc, selfie

AGENT = Actor(ActorKind.API_CLIENT, "chat")
REVIEWER = Actor(ActorKind.STAFF, "compliance-1")
JANA = Applicant()


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path) -> Bank:
    """The test bank with KYC's ports: local encrypted files, the development scanner, and
    an MRZ reader that reads what the sample documents carry in their metadata."""
    built = bank_with_kyc(database, keyring, clock, tmp_path / "documents")
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def customer(bank: Bank, name: str = JANA.full_name) -> UUID:
    return (await bank.customers.create(NewCustomer(name), SYSTEM)).id


async def submitted(
    bank: Bank,
    customer_id: UUID,
    applicant: Applicant = JANA,
    *,
    passport: bytes | None = None,
    **declared: object,
) -> ApplicationView:
    draft = await bank.kyc.start(customer_id, AGENT)
    await bank.kyc.set_personal_data(draft.id, applicant.personal_data(**declared), AGENT)
    await bank.kyc.add_document(draft.id, "passport", passport or applicant.passport(), AGENT)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), AGENT)
    return await bank.kyc.submit(draft.id, AGENT)


async def decided(bank: Bank, application_id: UUID) -> ApplicationView:
    await run_jobs(bank)
    return await bank.kyc.get(application_id)


async def kyc_events(bank: Bank) -> list[dict[str, object]]:
    async with bank.db.read() as conn:
        rows = (
            await conn.execute(
                select(events.c.payload)
                .where(events.c.type == "kyc.decided")
                .order_by(events.c.id)
            )
        ).all()
    return [dict(row.payload) for row in rows]


async def audit_actions(bank: Bank) -> list[tuple[str, str]]:
    async with bank.db.read() as conn:
        records = await recent(conn, limit=500)
    return [(r.action, r.outcome) for _, r in reversed(records)]


async def test_a_matching_application_is_verified_by_the_background_job(bank: Bank) -> None:
    customer_id = await customer(bank)
    application = await submitted(bank, customer_id)
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.attempt == 1
    assert (await bank.customers.get(customer_id)).kyc_status is KycStatus.PENDING
    assert await kyc_events(bank) == []

    application = await decided(bank, application.id)

    assert application.status is ApplicationStatus.VERIFIED
    assert application.decision is Decision.VERIFIED
    assert application.reasons == ()
    assert application.scores["overall"] == 100
    assert application.decided_by == "system:teller"
    person = await bank.customers.get(customer_id)
    assert person.kyc_status is KycStatus.VERIFIED
    assert person.kyc_level is KycLevel.FULL
    assert await kyc_events(bank) == [{"customer_id": str(customer_id), "decision": "verified"}]
    actions = await audit_actions(bank)
    for step in (
        "kyc_start_application",
        "kyc_set_personal_data",
        "kyc_upload_document",
        "kyc_submit",
        "kyc_decide",
        "set_kyc_status",
        "kyc_announce_decision",
    ):
        assert (step, "ok") in actions
    assert await bank.verify_audit()


async def test_personal_data_and_files_are_encrypted_at_rest(bank: Bank, tmp_path: Path) -> None:
    application = await submitted(bank, await customer(bank))
    async with bank.db.read() as conn:
        row = (await conn.execute(select(kyc_applications))).one()
        documents = (await conn.execute(select(kyc_documents))).all()
    stored = " ".join(str(value) for value in row)
    for secret in ("Jana", "Dvo", JANA.number, "1990-05-17"):
        assert secret not in stored
    assert row.personal_enc.startswith("v1.test1.")
    files = [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    assert len(files) == len(documents) == 2
    for path in files:
        blob = path.read_bytes()
        assert b"IHDR" not in blob
        assert b"JFIF" not in blob
        assert b"DVORAKOVA" not in blob
        assert path.stat().st_mode & 0o077 == 0  # readable by the bank's user alone
    passport = application.document(DocumentKind.PASSPORT)
    assert passport is not None
    content = await bank.kyc.document_content(passport.id, REVIEWER)
    assert content.content == JANA.passport()
    assert content.media_type == "image/png"


async def test_a_name_three_edits_off_goes_to_staff_who_approve_it(bank: Bank) -> None:
    customer_id = await customer(bank, "Jena Dvorokava")  # three edits from the passport
    application = await decided(bank, (await submitted(bank, customer_id)).id)
    assert application.status is ApplicationStatus.MANUAL_REVIEW
    assert application.reasons == ("NAME_MISMATCH",)
    assert application.scores["name_registered"] < 100
    assert (await bank.customers.get(customer_id)).kyc_status is KycStatus.PENDING
    assert [a.id for a in await bank.kyc.review_queue()] == [application.id]

    approved = await bank.kyc.decide(
        application.id, Decision.VERIFIED, "Registered with a typo; passport checked", REVIEWER
    )

    assert approved.status is ApplicationStatus.VERIFIED
    assert approved.decided_by == "staff:compliance-1"
    assert approved.reasons == ("NAME_MISMATCH",)  # the evidence stays on record
    assert (await bank.customers.get(customer_id)).kyc_level is KycLevel.FULL
    assert [e["decision"] for e in await kyc_events(bank)] == ["manual_review", "verified"]
    assert await bank.kyc.review_queue() == []
    assert ("kyc_review", "ok") in await audit_actions(bank)
    with pytest.raises(NotInReview):
        await bank.kyc.decide(application.id, Decision.REJECTED, "changed my mind", REVIEWER)


async def test_staff_reject_a_review_with_a_reason_kept_encrypted(bank: Bank) -> None:
    customer_id = await customer(bank, "Jena Dvorokava")
    application = await decided(bank, (await submitted(bank, customer_id)).id)
    rejected = await bank.kyc.decide(
        application.id, Decision.REJECTED, "Photo does not match the selfie", REVIEWER
    )
    assert rejected.status is ApplicationStatus.REJECTED
    assert (await bank.customers.get(customer_id)).kyc_status is KycStatus.REJECTED
    async with bank.db.read() as conn:
        note = (await conn.execute(select(kyc_applications.c.review_note_enc))).scalar_one()
    assert "selfie" not in note


@pytest.mark.parametrize(
    ("declared", "passport", "reason"),
    [
        ({"document_expiry": date(2026, 3, 1)}, {"expires": date(2026, 3, 1)}, "DOCUMENT_EXPIRED"),
        ({"date_of_birth": date(2010, 1, 1)}, {"born": date(2010, 1, 1)}, "UNDERAGE"),
        ({}, {"born": date(1991, 5, 17)}, "DATE_OF_BIRTH_MISMATCH"),
    ],
    ids=["expired", "underage", "birth-date-contradicted"],
)
async def test_rules_of_fact_reject_the_application(
    bank: Bank, declared: dict[str, object], passport: dict[str, object], reason: str
) -> None:
    customer_id = await customer(bank)
    application = await submitted(
        bank, customer_id, passport=JANA.passport(**passport), **declared
    )
    application = await decided(bank, application.id)
    assert application.status is ApplicationStatus.REJECTED
    assert application.reasons == (reason,)
    assert (await bank.customers.get(customer_id)).kyc_status is KycStatus.REJECTED
    assert await kyc_events(bank) == [{"customer_id": str(customer_id), "decision": "rejected"}]


async def test_a_fourth_attempt_is_refused(bank: Bank) -> None:
    customer_id = await customer(bank)
    expired = {"document_expiry": date(2025, 1, 1)}
    for attempt in (1, 2, 3):
        application = await submitted(bank, customer_id, **expired)
        assert application.attempt == attempt
        assert (await decided(bank, application.id)).status is ApplicationStatus.REJECTED
    with pytest.raises(AttemptsExhausted) as refused:
        await bank.kyc.start(customer_id, AGENT)
    assert refused.value.data == {"attempts": 3}
    assert ("kyc_start_application", "rejected:KYC_ATTEMPTS_EXHAUSTED") in await audit_actions(
        bank
    )
    assert len(await bank.kyc.for_customer(customer_id)) == 3


async def test_one_application_at_a_time_and_none_after_verification(bank: Bank) -> None:
    customer_id = await customer(bank)
    draft = await bank.kyc.start(customer_id, AGENT)
    assert (await bank.kyc.start(customer_id, AGENT)).id == draft.id  # the draft, resumed
    application = await submitted(bank, customer_id)
    assert application.id == draft.id
    with pytest.raises(ApplicationOpen):
        await bank.kyc.start(customer_id, AGENT)
    await decided(bank, application.id)
    with pytest.raises(AlreadyVerified):
        await bank.kyc.start(customer_id, AGENT)


async def test_a_submitted_application_no_longer_changes(bank: Bank) -> None:
    application = await submitted(bank, await customer(bank))
    with pytest.raises(ApplicationNotEditable):
        await bank.kyc.set_personal_data(application.id, JANA.personal_data(), AGENT)
    with pytest.raises(ApplicationNotEditable):
        await bank.kyc.add_document(application.id, "selfie", selfie(), AGENT)
    again = await bank.kyc.submit(application.id, AGENT)  # a double tap changes nothing
    assert (again.status, again.attempt) == (ApplicationStatus.SUBMITTED, 1)


async def test_an_incomplete_application_cannot_be_submitted(bank: Bank) -> None:
    draft = await bank.kyc.start(await customer(bank), AGENT)
    with pytest.raises(ApplicationIncomplete) as refused:
        await bank.kyc.submit(draft.id, AGENT)
    assert refused.value.data == {"missing": "personal_data,selfie"}
    await bank.kyc.set_personal_data(draft.id, JANA.personal_data(), AGENT)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), AGENT)
    with pytest.raises(ApplicationIncomplete) as refused:
        await bank.kyc.submit(draft.id, AGENT)
    assert refused.value.data == {"missing": "passport"}
    assert (await bank.kyc.get(draft.id)).status is ApplicationStatus.DRAFT


async def test_a_document_uploaded_again_replaces_the_first(bank: Bank, tmp_path: Path) -> None:
    draft = await bank.kyc.start(await customer(bank), AGENT)
    first = await bank.kyc.add_document(draft.id, "selfie", selfie(), AGENT)
    second = await bank.kyc.add_document(draft.id, "selfie", selfie((700, 900)), AGENT)
    assert first.id != second.id
    assert [d.id for d in (await bank.kyc.get(draft.id)).documents] == [second.id]
    assert (second.width, second.height) == (700, 900)
    files = [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [str(second.id)]


async def test_the_same_passport_on_another_customer_goes_to_staff(bank: Bank) -> None:
    first = await submitted(bank, await customer(bank))
    assert (await decided(bank, first.id)).status is ApplicationStatus.VERIFIED
    second = await submitted(bank, await customer(bank))
    second = await decided(bank, second.id)
    assert second.status is ApplicationStatus.MANUAL_REVIEW
    assert second.reasons == ("DOCUMENT_IN_USE",)


async def test_staff_read_documents_and_personal_data_and_customers_do_not(bank: Bank) -> None:
    application = await submitted(bank, await customer(bank))
    selfie_document = application.document(DocumentKind.SELFIE)
    assert selfie_document is not None
    customer_actor = Actor(ActorKind.CUSTOMER, str(application.customer_id))
    for actor in (customer_actor, SYSTEM):
        with pytest.raises(StaffOnly):
            await bank.kyc.document_content(selfie_document.id, actor)
        with pytest.raises(StaffOnly):
            await bank.kyc.personal_data(application.id, actor)
    content = await bank.kyc.document_content(selfie_document.id, REVIEWER)
    assert content.content == selfie()
    assert content.media_type == "image/jpeg"
    personal = await bank.kyc.personal_data(application.id, REVIEWER)
    assert (personal.surname, personal.nationality) == ("Dvořáková", "CZE")
    async with bank.db.read() as conn:
        records = [r for _, r in await recent(conn, limit=100)]
    viewed = [r for r in records if r.action == "kyc_view_document" and r.outcome == "ok"]
    assert [r.actor for r in viewed] == ["staff:compliance-1"]
    assert viewed[0].target == f"kyc_document:{selfie_document.id}"
    assert any(r.outcome == "rejected:KYC_STAFF_ONLY" for r in records)
    assert any(r.action == "kyc_view_personal_data" and r.outcome == "ok" for r in records)


async def test_key_rotation_rewraps_document_keys_and_reencrypts_data(
    bank: Bank, keyring: Keyring, clock: MutableClock, tmp_path: Path
) -> None:
    application = await submitted(bank, await customer(bank))
    passport = application.document(DocumentKind.PASSPORT)
    assert passport is not None
    files_before = {p: p.read_bytes() for p in (tmp_path / "documents").rglob("*") if p.is_file()}
    new_spec = "test2:" + base64.b64encode(b"n" * 32).decode() + "," + KEY_SPEC
    rotated_keys = Keyring.parse_spec(new_spec, INDEX_KEY)
    rotated = bank_with_kyc(bank.db, rotated_keys, clock, tmp_path / "documents")
    assert await rotated.kyc.rotate_encryption(SYSTEM) == 3  # one application, two documents
    assert await rotated.kyc.rotate_encryption(SYSTEM) == 0
    async with bank.db.read() as conn:
        keys = (await conn.execute(select(kyc_documents.c.key_enc))).scalars().all()
        personal = (await conn.execute(select(kyc_applications.c.personal_enc))).scalar_one()
    assert all(k.startswith("v1.test2.") for k in keys)
    assert personal.startswith("v1.test2.")
    files_after = {p: p.read_bytes() for p in files_before}
    assert files_after == files_before  # the files were not rewritten
    content = await rotated.kyc.document_content(passport.id, REVIEWER)
    assert content.content == JANA.passport()
