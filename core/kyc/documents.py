"""Document files: checked, scanned and sealed on the way in; opened for staff and checks."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import delete, insert

from core.actors import Actor
from core.audit.log import record
from core.clock import Clock
from core.crypto import Keyring
from core.errors import ValidationFailed
from core.kyc import repository
from core.kyc.eligibility import EDITABLE
from core.kyc.errors import (
    ApplicationNotEditable,
    DocumentInfected,
    KycUnavailable,
)
from core.kyc.files import inspect
from core.kyc.model import DocumentContent, DocumentKind, DocumentView
from core.kyc.sealing import DocumentSealer
from core.kyc.tables import kyc_documents
from core.persistence.database import Database
from core.persistence.types import AnyRow
from core.ports import (
    DocumentMissing,
    DocumentStore,
    DocumentStoreUnavailable,
    MrzReader,
    ScannerUnavailable,
    VirusScanner,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class KycPorts:
    """The outside systems KYC needs; ``mrz`` is optional (no OCR: staff read documents)."""

    documents: DocumentStore
    scanner: VirusScanner
    mrz: MrzReader | None = None


class DocumentDesk:
    """Takes documents in and hands them out, always through the checks and the seal."""

    def __init__(
        self, db: Database, clock: Clock, keyring: Keyring, ports: KycPorts | None
    ) -> None:
        self._db = db
        self._clock = clock
        self._sealer = DocumentSealer(keyring)
        self._ports = ports

    @property
    def mrz_reader(self) -> MrzReader | None:
        return None if self._ports is None else self._ports.mrz

    def _configured(self) -> KycPorts:
        if self._ports is None:
            # Fail closed: without a scanner and a store the bank accepts no files.
            raise KycUnavailable(service="documents", reason="not_configured")
        return self._ports

    async def add(
        self, application_id: UUID, kind_name: str, content: bytes, actor: Actor
    ) -> DocumentView:
        """Check, scan, seal and store a file; refused files leave nothing behind."""
        ports = self._configured()
        kind = _kind(kind_name)
        async with self._db.read() as conn:
            _editable(await repository.application_row(conn, application_id))
        facts = await asyncio.to_thread(inspect, content, kind)
        try:
            verdict = await ports.scanner.scan(content)
        except ScannerUnavailable as exc:
            raise KycUnavailable(service="scanner") from exc
        if not verdict.clean:
            raise DocumentInfected(signature=verdict.signature or "unknown")
        document_id = uuid4()
        blob, wrapped_key = self._sealer.seal(document_id, content)
        key = f"kyc/{application_id}/{document_id}"
        await self._put(ports.documents, key, blob)
        now = self._clock.now()
        try:
            async with self._db.transaction() as conn:
                _editable(await repository.application_row(conn, application_id, lock=True))
                replaced = [
                    d for d in await repository.document_rows(conn, application_id)
                    if d.kind == kind.value
                ]  # fmt: skip
                if replaced:
                    await conn.execute(
                        delete(kyc_documents).where(kyc_documents.c.id == replaced[0].id)
                    )
                values = {
                    "id": document_id,
                    "application_id": application_id,
                    "kind": kind.value,
                    "media_type": facts.media_type,
                    "size": facts.size,
                    "width": facts.width,
                    "height": facts.height,
                    "pages": facts.pages,
                    "storage_key": key,
                    "key_enc": wrapped_key,
                    "uploaded_at": now,
                }
                await conn.execute(insert(kyc_documents).values(**values))
                details: dict[str, object] = {
                    "document_id": str(document_id),
                    "kind": kind.value,
                    "media_type": facts.media_type,
                    "size": facts.size,
                }
                await record(
                    conn, now, actor, "kyc_upload_document", _target(application_id), details
                )
        except Exception:
            await self._discard(ports.documents, key)
            raise
        for old in replaced:  # after commit: the row that pointed at it is gone
            await self._discard(ports.documents, old.storage_key)
        async with self._db.read() as conn:
            return repository.document_view(await repository.document_row(conn, document_id))

    async def content(self, row: AnyRow) -> bytes:
        """The plaintext of a stored document (its row holds the key to it)."""
        ports = self._configured()
        try:
            blob = await ports.documents.get(row.storage_key)
        except (DocumentStoreUnavailable, DocumentMissing) as exc:
            raise KycUnavailable(service="documents") from exc
        return self._sealer.open(row.id, blob, row.key_enc)

    async def for_staff(self, document_id: UUID, actor: Actor) -> DocumentContent:
        """A document's bytes for staff; the viewing is recorded before they are handed out."""
        async with self._db.read() as conn:
            row = await repository.document_row(conn, document_id)
        content = await self.content(row)
        async with self._db.transaction() as conn:
            await record(
                conn,
                self._clock.now(),
                actor,
                "kyc_view_document",
                f"kyc_document:{document_id}",
                {"application_id": str(row.application_id), "kind": row.kind},
            )
        return DocumentContent(row.id, DocumentKind(row.kind), row.media_type, content)

    def needs_rotation(self, wrapped_key: str) -> bool:
        return self._sealer.needs_rotation(wrapped_key)

    def rewrap(self, document_id: UUID, wrapped_key: str) -> str:
        return self._sealer.rewrap(document_id, wrapped_key)

    async def _put(self, store: DocumentStore, key: str, blob: bytes) -> None:
        try:
            await store.put(key, blob)
        except DocumentStoreUnavailable as exc:
            raise KycUnavailable(service="documents") from exc

    async def _discard(self, store: DocumentStore, key: str) -> None:
        try:
            await store.delete(key)
        except DocumentStoreUnavailable:
            # An orphaned blob is ciphertext whose key is gone with its row: harmless.
            log.warning("could not delete a KYC document blob", exc_info=True)


def _kind(name: str) -> DocumentKind:
    try:
        return DocumentKind(name)
    except ValueError:
        raise ValidationFailed(
            "one of " + ", ".join(k.value for k in DocumentKind), field="kind"
        ) from None


def _editable(row: AnyRow) -> None:
    if row.status not in EDITABLE:
        raise ApplicationNotEditable(application_id=str(row.id), status=row.status)


def _target(application_id: UUID) -> str:
    return f"kyc_application:{application_id}"
