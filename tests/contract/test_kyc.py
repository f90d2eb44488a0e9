"""KYC through ``BankAPI``: ``LocalBank`` and ``HttpBank`` give the same values and the same
errors (class and code), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.crypto import Keyring
from core.kyc.files import MAX_DOCUMENT_BYTES
from core.persistence.database import Database
from integrations.bank import (
    BankAPI,
    BankError,
    Conflict,
    InvalidRequest,
    KycApplicationStatus,
    KycDecision,
    KycDocumentKind,
    KycPersonalData,
    KycStatus,
    NotFound,
)
from tests.fakes import MutableClock, run_jobs
from tests.kyc_support import EICAR, Applicant, bank_with_kyc, pdf_document, selfie

JANA = Applicant()
PASSPORT, SELFIE = KycDocumentKind.PASSPORT, KycDocumentKind.SELFIE
DECLARED = KycPersonalData(
    given_names="Jana",
    surname="Dvořáková",
    date_of_birth=JANA.born,
    nationality="CZ",
    document_kind=PASSPORT,
    document_number=JANA.number,
    issuing_country="CZE",
    document_expiry=JANA.expires,
)


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path) -> Bank:
    built = bank_with_kyc(database, keyring, clock, tmp_path / "documents")
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def complete_draft(api: BankAPI, declared: KycPersonalData = DECLARED) -> tuple[str, object]:
    customer = await api.register_customer("Jana Dvořáková", "cs")
    draft = await api.start_kyc_application(customer.id)
    await api.set_kyc_personal_data(draft.id, declared)
    await api.upload_kyc_document(draft.id, PASSPORT, JANA.passport())
    await api.upload_kyc_document(draft.id, SELFIE, selfie())
    return str(customer.id), draft.id


async def test_an_application_goes_from_draft_to_verified(bank_api: BankAPI, bank: Bank) -> None:
    customer = await bank_api.register_customer("Jana Dvořáková", "cs")
    draft = await bank_api.start_kyc_application(customer.id)
    assert (draft.status, draft.attempt, draft.documents) == (KycApplicationStatus.DRAFT, None, ())
    assert await bank_api.start_kyc_application(customer.id) == draft

    with_data = await bank_api.set_kyc_personal_data(draft.id, DECLARED)
    assert with_data.has_personal_data
    passport = await bank_api.upload_kyc_document(draft.id, PASSPORT, JANA.passport())
    assert (passport.kind, passport.media_type) == (PASSPORT, "image/png")
    assert (passport.width, passport.height, passport.pages) == (1400, 980, None)
    photo = await bank_api.upload_kyc_document(draft.id, SELFIE, selfie())
    assert photo.media_type == "image/jpeg"

    submitted = await bank_api.submit_kyc_application(draft.id)
    assert (submitted.status, submitted.attempt) == (KycApplicationStatus.SUBMITTED, 1)
    assert {d.id for d in submitted.documents} == {passport.id, photo.id}
    assert (await bank_api.get_customer(customer.id)).kyc_status is KycStatus.PENDING

    await run_jobs(bank)
    decided = await bank_api.get_kyc_application(draft.id)
    assert decided.status is KycApplicationStatus.VERIFIED
    assert decided.decision is KycDecision.VERIFIED
    assert (decided.reasons, decided.scores["overall"]) == ((), 100)
    assert await bank_api.list_kyc_applications(customer.id) == [decided]
    assert (await bank_api.get_customer(customer.id)).kyc_status is KycStatus.VERIFIED
    with pytest.raises(Conflict) as refused:
        await bank_api.start_kyc_application(customer.id)
    assert refused.value.code == "KYC_ALREADY_VERIFIED"


async def test_doubtful_and_failing_applications_carry_their_reasons(
    bank_api: BankAPI, bank: Bank
) -> None:
    _, doubtful = await complete_draft(bank_api, replace(DECLARED, given_names="Janinka"))
    await bank_api.submit_kyc_application(doubtful)  # type: ignore[arg-type]
    other = Applicant(number="40999999", expires=date(2026, 3, 1))
    customer = await bank_api.register_customer("Jana Dvořáková", "cs")
    draft = await bank_api.start_kyc_application(customer.id)
    expired = replace(DECLARED, document_number=other.number, document_expiry=other.expires)
    await bank_api.set_kyc_personal_data(draft.id, expired)
    await bank_api.upload_kyc_document(draft.id, PASSPORT, other.passport())
    await bank_api.upload_kyc_document(draft.id, SELFIE, selfie())
    await bank_api.submit_kyc_application(draft.id)
    await run_jobs(bank)
    review = await bank_api.get_kyc_application(doubtful)  # type: ignore[arg-type]
    assert review.status is KycApplicationStatus.MANUAL_REVIEW
    assert review.reasons == ("NAME_MISMATCH", "DOCUMENT_NAME_MISMATCH")
    rejected = await bank_api.get_kyc_application(draft.id)
    assert rejected.status is KycApplicationStatus.REJECTED
    assert rejected.reasons == ("DOCUMENT_EXPIRED",)


@pytest.mark.parametrize(
    ("kind", "content", "cls", "code"),
    [
        (PASSPORT, b"\x00" * (MAX_DOCUMENT_BYTES + 1), InvalidRequest, "KYC_DOCUMENT_TOO_LARGE"),
        (PASSPORT, b"GIF89a" + b"\x00" * 64, InvalidRequest, "KYC_DOCUMENT_TYPE_NOT_ALLOWED"),
        (SELFIE, pdf_document(), InvalidRequest, "KYC_DOCUMENT_TYPE_NOT_ALLOWED"),
        (PASSPORT, selfie() + b"PK\x03\x04", InvalidRequest, "KYC_DOCUMENT_UNREADABLE"),
        (PASSPORT, b"", InvalidRequest, "KYC_DOCUMENT_EMPTY"),
        (PASSPORT, EICAR, InvalidRequest, "KYC_DOCUMENT_TYPE_NOT_ALLOWED"),
    ],
    ids=["oversized", "gif", "pdf-selfie", "polyglot", "empty", "eicar"],
)
async def test_refused_files_raise_the_same_error_everywhere(
    bank_api: BankAPI, kind: KycDocumentKind, content: bytes, cls: type[BankError], code: str
) -> None:
    customer = await bank_api.register_customer("Jana Dvořáková", "cs")
    draft = await bank_api.start_kyc_application(customer.id)
    with pytest.raises(cls) as refused:
        await bank_api.upload_kyc_document(draft.id, kind, content)
    assert refused.value.code == code
    assert (await bank_api.get_kyc_application(draft.id)).documents == ()


async def test_invalid_personal_data_names_the_field(bank_api: BankAPI) -> None:
    customer = await bank_api.register_customer("Jana Dvořáková", "cs")
    draft = await bank_api.start_kyc_application(customer.id)
    for bad, field in (
        (replace(DECLARED, nationality="XX"), "nationality"),
        (replace(DECLARED, nationality="C"), "nationality"),
        (replace(DECLARED, surname="x" * 81), "surname"),
        (replace(DECLARED, surname="R2D2"), "surname"),
        (replace(DECLARED, document_kind=SELFIE), "document_kind"),
        (replace(DECLARED, document_number="AB/12"), "document_number"),
        (replace(DECLARED, date_of_birth=date(2030, 1, 1)), "date_of_birth"),
    ):
        with pytest.raises(InvalidRequest) as refused:
            await bank_api.set_kyc_personal_data(draft.id, bad)
        assert (refused.value.code, refused.value.data["field"]) == (
            "KYC_INVALID_PERSONAL_DATA",
            field,
        )


async def test_incomplete_open_and_unknown_applications_are_refused(bank_api: BankAPI) -> None:
    customer = await bank_api.register_customer("Jana Dvořáková", "cs")
    draft = await bank_api.start_kyc_application(customer.id)
    with pytest.raises(InvalidRequest) as refused:
        await bank_api.submit_kyc_application(draft.id)
    assert refused.value.code == "KYC_APPLICATION_INCOMPLETE"
    assert refused.value.data == {"missing": "personal_data,selfie"}
    _, submitted = await complete_draft(bank_api)
    application = await bank_api.submit_kyc_application(submitted)  # type: ignore[arg-type]
    with pytest.raises(Conflict) as refused:
        await bank_api.start_kyc_application(application.customer_id)
    assert refused.value.code == "KYC_APPLICATION_OPEN"
    with pytest.raises(Conflict) as refused:
        await bank_api.upload_kyc_document(application.id, SELFIE, selfie())
    assert refused.value.code == "KYC_APPLICATION_NOT_EDITABLE"
    with pytest.raises(NotFound) as missing:
        await bank_api.get_kyc_application(uuid4())
    assert missing.value.code == "KYC_APPLICATION_NOT_FOUND"
    with pytest.raises(NotFound) as missing:
        await bank_api.start_kyc_application(uuid4())
    assert missing.value.code == "CUSTOMER_NOT_FOUND"
    with pytest.raises(NotFound):
        await bank_api.list_kyc_applications(uuid4())


async def test_a_fourth_attempt_is_refused(bank_api: BankAPI, bank: Bank) -> None:
    customer = await bank_api.register_customer("Jana Dvořáková", "cs")
    expired = replace(DECLARED, document_expiry=date(2025, 6, 30))
    for _ in range(3):
        draft = await bank_api.start_kyc_application(customer.id)
        await bank_api.set_kyc_personal_data(draft.id, expired)
        await bank_api.upload_kyc_document(draft.id, PASSPORT, JANA.passport())
        await bank_api.upload_kyc_document(draft.id, SELFIE, selfie())
        await bank_api.submit_kyc_application(draft.id)
        await run_jobs(bank)
    with pytest.raises(Conflict) as refused:
        await bank_api.start_kyc_application(customer.id)
    assert (refused.value.code, refused.value.data) == ("KYC_ATTEMPTS_EXHAUSTED", {"attempts": 3})
    attempts = [a.attempt for a in await bank_api.list_kyc_applications(customer.id)]
    assert attempts == [1, 2, 3]
