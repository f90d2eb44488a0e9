"""MRZ reading with the real Tesseract (Debian's tesseract-ocr), skipped where it is absent."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from core.actors import SYSTEM, Actor, ActorKind
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.kyc.documents import KycPorts
from core.kyc.model import ApplicationStatus
from core.kyc.mrz import find_mrz
from core.persistence.database import Database
from integrations.documents.local import LocalDocumentStore
from integrations.mrz.tesseract import TesseractMrzReader, tesseract_path
from integrations.virusscan.development import DevelopmentScanner
from tests.fakes import MutableClock, run_jobs
from tests.kyc_support import Applicant, bank_with_kyc, document_image, scanned_pdf, selfie

pytestmark = pytest.mark.skipif(
    tesseract_path() is None, reason="tesseract is not installed (Debian: tesseract-ocr)"
)
TODAY = date(2026, 3, 2)
JANA = Applicant()


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (JANA.passport(), "image/png"),
        (document_image(JANA.mrz(), fmt="JPEG"), "image/jpeg"),
        (scanned_pdf(JANA.mrz()), "application/pdf"),
    ],
    ids=["png", "jpeg", "scanned-pdf"],
)
async def test_tesseract_reads_the_zone_of_a_passport_page(
    content: bytes, media_type: str
) -> None:
    text = await TesseractMrzReader().read(content, media_type)
    assert text is not None
    mrz = find_mrz(text, today=TODAY)
    assert mrz is not None
    assert mrz.check_digits_valid, mrz.checks
    assert (mrz.surname, mrz.given_names, mrz.document_number) == (
        "DVORAKOVA",
        "JANA",
        JANA.number,
    )
    assert (mrz.date_of_birth, mrz.expiry) == (JANA.born, JANA.expires)


async def test_a_page_without_a_zone_reads_as_no_zone() -> None:
    text = await TesseractMrzReader().read(document_image(), "image/png")
    assert find_mrz(text or "", today=TODAY) is None


async def test_a_bank_with_tesseract_verifies_a_passport_it_reads(
    database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path
) -> None:
    root = tmp_path / "documents"
    ports = KycPorts(LocalDocumentStore(root), DevelopmentScanner(), TesseractMrzReader())
    bank = bank_with_kyc(database, keyring, clock, root, ports)
    await bank.accounts.ensure_bank_accounts(SYSTEM)
    agent = Actor(ActorKind.API_CLIENT, "chat")
    customer = await bank.customers.create(NewCustomer(JANA.full_name), SYSTEM)
    draft = await bank.kyc.start(customer.id, agent)
    await bank.kyc.set_personal_data(draft.id, JANA.personal_data(), agent)
    # A JPEG without the metadata copy: only OCR can read its zone.
    await bank.kyc.add_document(draft.id, "passport", jpeg_without_metadata(), agent)
    await bank.kyc.add_document(draft.id, "selfie", selfie(), agent)
    await bank.kyc.submit(draft.id, agent)
    await run_jobs(bank)
    application = await bank.kyc.get(draft.id)
    assert application.status is ApplicationStatus.VERIFIED, application.reasons
    assert application.scores["mrz"] == 100


def jpeg_without_metadata() -> bytes:
    image = Image.open(io.BytesIO(JANA.passport()))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()
