"""Single-use, expiring links to KYC document images (decision 0082).

A link is a random token; the table keeps only its SHA-256, with the document, the staff
member it was made for and its expiry. Opening it marks it used in one guarded UPDATE, so
two requests racing for one link get the bytes once. A link for someone else, an unknown
one, a used one and an expired one all serve nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from sqlalchemy import delete, insert, select, update

from backoffice.store import kyc_document_links
from core.persistence.database import Database

LIFETIME = timedelta(minutes=2)  # long enough to load a page, too short to pass around
KEEP = timedelta(days=1)  # used and expired rows are forgotten after this


class Refusal(StrEnum):
    UNKNOWN = "unknown"  # no such link, or one made for another staff member
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Redeemed:
    document_id: UUID | None
    refusal: Refusal | None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DocumentLinks:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    async def issue(self, staff_id: str, document_ids: list[UUID]) -> dict[UUID, str]:
        """A fresh token per document, for ``staff_id`` only."""
        now = self._clock()
        tokens = {d: secrets.token_urlsafe(32) for d in document_ids}
        async with self._db.transaction() as conn:
            await conn.execute(
                delete(kyc_document_links).where(kyc_document_links.c.expires_at < now - KEEP)
            )
            if tokens:
                await conn.execute(
                    insert(kyc_document_links),
                    [
                        {
                            "token_hash": _hash(token),
                            "document_id": str(document_id),
                            "staff_id": staff_id,
                            "expires_at": now + LIFETIME,
                        }
                        for document_id, token in tokens.items()
                    ],
                )
        return tokens

    async def redeem(self, token: str, staff_id: str) -> Redeemed:
        """The document behind ``token`` if ``staff_id`` may open it now; the link is spent."""
        if not 20 <= len(token) <= 100:
            return Redeemed(None, Refusal.UNKNOWN)
        now, hashed = self._clock(), _hash(token)
        links = kyc_document_links.c
        async with self._db.transaction() as conn:
            row = (
                await conn.execute(select(kyc_document_links).where(links.token_hash == hashed))
            ).one_or_none()
            if row is None or not secrets.compare_digest(row.staff_id, staff_id):
                return Redeemed(None, Refusal.UNKNOWN)
            if row.used_at is not None:
                return Redeemed(None, Refusal.USED)
            if row.expires_at <= now:
                return Redeemed(None, Refusal.EXPIRED)
            spent = await conn.execute(
                update(kyc_document_links)
                .where(links.token_hash == hashed, links.used_at.is_(None))
                .values(used_at=now)
            )
            if spent.rowcount != 1:  # opened meanwhile by a concurrent request
                return Redeemed(None, Refusal.USED)
        return Redeemed(UUID(row.document_id), None)
