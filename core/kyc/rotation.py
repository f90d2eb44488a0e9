"""Key rotation for KYC: personal data re-encrypted, document keys re-wrapped (files untouched)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, select, update

from core.actors import Actor
from core.audit.log import record
from core.clock import Clock
from core.crypto import Keyring
from core.kyc.eligibility import PERSONAL_CONTEXT
from core.kyc.sealing import DocumentSealer
from core.kyc.tables import kyc_applications, kyc_documents
from core.persistence.database import Database
from core.persistence.types import AnyRow

NOTE_CONTEXT = "kyc.review_note"
_APPLICATION_TOKENS = (("personal_enc", PERSONAL_CONTEXT), ("review_note_enc", NOTE_CONTEXT))


async def rotate(db: Database, clock: Clock, keyring: Keyring, actor: Actor, batch: int) -> int:
    """Bring every KYC token under the keyring's active key; returns rows changed."""
    sealer = DocumentSealer(keyring)

    def application(row: AnyRow) -> dict[str, str]:
        values = {}
        for column, context in (
            ("personal_enc", PERSONAL_CONTEXT),
            ("review_note_enc", NOTE_CONTEXT),
        ):
            token = getattr(row, column)
            if token is not None and keyring.needs_rotation(token):
                values[column] = keyring.rotate(token, context=context)
        return values

    def document(row: AnyRow) -> dict[str, str]:
        if not sealer.needs_rotation(row.key_enc):
            return {}
        return {"key_enc": sealer.rewrap(row.id, row.key_enc)}

    changed = await _rotate_table(db, kyc_applications, application, batch)
    changed += await _rotate_table(db, kyc_documents, document, batch)
    async with db.transaction() as conn:
        await record(conn, clock.now(), actor, "kyc_rotate_encryption", "kyc", {"rows": changed})
    return changed


async def _rotate_table(
    db: Database, table: Table, values_of: Callable[[AnyRow], dict[str, str]], batch: int
) -> int:
    changed, after = 0, None
    while True:
        async with db.transaction() as conn:
            query = select(table).order_by(table.c.id).limit(batch).with_for_update()
            if after is not None:
                query = query.where(table.c.id > after)
            rows = (await conn.execute(query)).all()
            for row in rows:
                values = values_of(row)
                if values:
                    await conn.execute(update(table).where(table.c.id == row.id).values(**values))
                    changed += 1
        if len(rows) < batch:
            return changed
        after = rows[-1].id
