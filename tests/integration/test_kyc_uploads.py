"""Refused files leave nothing behind: no row, no file, only an audit record of the refusal."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from uuid import UUID

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select

from core.actors import SYSTEM, Actor, ActorKind
from core.audit.log import recent
from core.bank import Bank
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.errors import CoreError
from core.kyc.documents import KycPorts
from core.kyc.files import MAX_DOCUMENT_BYTES
from core.kyc.tables import kyc_documents
from core.persistence.database import Database
from core.ports import ScannerUnavailable, ScanVerdict
from integrations.documents.local import LocalDocumentStore
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.kyc_support import EICAR, Applicant, bank_with_kyc, document_image, pdf_document

AGENT = Actor(ActorKind.API_CLIENT, "chat")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path) -> Bank:
    built = bank_with_kyc(database, keyring, clock, tmp_path / "documents")
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def draft(bank: Bank) -> UUID:
    customer = await bank.customers.create(NewCustomer("Jana Dvořáková"), SYSTEM)
    return (await bank.kyc.start(customer.id, AGENT)).id


async def nothing_stored(bank: Bank, root: Path) -> bool:
    async with bank.db.read() as conn:
        rows = (await conn.execute(select(func.count()).select_from(kyc_documents))).scalar()
    files = await asyncio.to_thread(lambda: [p for p in root.rglob("*") if p.is_file()])
    return rows == 0 and not files


def png_carrying(payload: bytes) -> bytes:
    """A valid PNG whose text chunk holds ``payload``: it passes every structural check,
    so only the scan can find what it carries."""
    image = Image.open(io.BytesIO(document_image()))
    info = PngInfo()
    info.add_text("Comment", payload.decode("latin-1"))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def polyglot_jpeg() -> bytes:
    return document_image(fmt="JPEG") + b"PK\x03\x04" + b"\x00" * 64  # a JPEG with a ZIP tail


@pytest.mark.parametrize(
    ("kind", "content", "code"),
    [
        ("passport", document_image() + b"\x00" * MAX_DOCUMENT_BYTES, "KYC_DOCUMENT_TOO_LARGE"),
        ("passport", b"GIF89a" + b"\x00" * 400, "KYC_DOCUMENT_TYPE_NOT_ALLOWED"),
        ("passport", ELF, "KYC_DOCUMENT_TYPE_NOT_ALLOWED"),  # a program called passport.jpg
        ("passport", polyglot_jpeg(), "KYC_DOCUMENT_UNREADABLE"),
        ("passport", pdf_document(javascript=True), "KYC_DOCUMENT_UNREADABLE"),
        ("passport", document_image(size=(300, 200)), "KYC_DOCUMENT_DIMENSIONS"),
        ("selfie", pdf_document(), "KYC_DOCUMENT_TYPE_NOT_ALLOWED"),
        ("passport", png_carrying(EICAR), "KYC_DOCUMENT_INFECTED"),
        ("passport", png_carrying(ELF[:8]), "KYC_DOCUMENT_INFECTED"),
        ("passport", b"", "KYC_DOCUMENT_EMPTY"),
        ("visa", document_image(), "VALIDATION_ERROR"),
    ],
    ids=[
        "oversized",
        "gif",
        "renamed-executable",
        "polyglot",
        "active-pdf",
        "small-image",
        "pdf-selfie",
        "eicar",
        "hidden-executable",
        "empty",
        "unknown-kind",
    ],
)
async def test_a_refused_file_stores_nothing_and_the_refusal_is_audited(
    bank: Bank, tmp_path: Path, kind: str, content: bytes, code: str
) -> None:
    application_id = await draft(bank)
    with pytest.raises(CoreError) as refused:
        await bank.kyc.add_document(application_id, kind, content, AGENT)
    assert refused.value.code == code
    assert await nothing_stored(bank, tmp_path / "documents")
    async with bank.db.read() as conn:
        newest = (await recent(conn, limit=1))[0][1]
    assert (newest.action, newest.outcome) == ("kyc_upload_document", f"rejected:{code}")
    assert newest.target == f"kyc_application:{application_id}"


async def test_eicar_is_refused_by_structure_or_by_the_scan_with_its_signature(bank: Bank) -> None:
    with pytest.raises(CoreError) as refused:
        await bank.kyc.add_document(await draft(bank), "passport", EICAR + b" " * 10, AGENT)
    # EICAR alone is not a PDF, JPEG or PNG: the type check refuses it first.
    assert refused.value.code == "KYC_DOCUMENT_TYPE_NOT_ALLOWED"
    eicar_after_png = document_image() + EICAR
    with pytest.raises(CoreError) as refused:
        await bank.kyc.add_document(await draft(bank), "passport", eicar_after_png, AGENT)
    # Bytes after the image's end make it a polyglot, caught before the scan.
    assert refused.value.code == "KYC_DOCUMENT_UNREADABLE"
    with pytest.raises(CoreError) as refused:
        await bank.kyc.add_document(await draft(bank), "passport", png_carrying(EICAR), AGENT)
    assert refused.value.code == "KYC_DOCUMENT_INFECTED"
    assert refused.value.data == {"signature": "Eicar-Test-Signature"}


class DownScanner:
    async def scan(self, content: bytes) -> ScanVerdict:
        raise ScannerUnavailable("clamd is down")


async def test_without_a_scan_verdict_no_file_is_accepted(
    database: Database, keyring: Keyring, clock: MutableClock, tmp_path: Path
) -> None:
    root = tmp_path / "documents"
    bank = bank_with_kyc(
        database, keyring, clock, root, KycPorts(LocalDocumentStore(root), DownScanner())
    )
    with pytest.raises(CoreError) as refused:
        await bank.kyc.add_document(await draft(bank), "passport", Applicant().passport(), AGENT)
    assert (refused.value.code, refused.value.http_status) == ("KYC_UNAVAILABLE", 503)
    assert refused.value.data == {"service": "scanner"}
    assert await nothing_stored(bank, root)


async def test_a_bank_without_kyc_ports_accepts_no_files(
    database: Database, keyring: Keyring, clock: MutableClock
) -> None:
    bank = Bank.build(database, keyring, CURRENCIES, clock=clock)
    application_id = await draft(bank)
    with pytest.raises(CoreError) as refused:
        await bank.kyc.add_document(application_id, "selfie", document_image(), AGENT)
    assert refused.value.code == "KYC_UNAVAILABLE"
    assert refused.value.data == {"service": "documents", "reason": "not_configured"}
