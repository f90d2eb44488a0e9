"""Re-encrypting the payments area's encrypted columns under the active key."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Column, Table, select, update

from core.actors import Actor
from core.audit.log import record
from core.clock import Clock
from core.crypto import Keyring
from core.payments.repository import LABEL_CONTEXT
from core.payments.request_store import NOTE_CONTEXT
from core.payments.tables import money_requests, payments
from core.persistence.database import Database

# (table, encrypted column, encryption context)
ENCRYPTED: tuple[tuple[Table, str, str], ...] = (
    (payments, "recipient_label_enc", LABEL_CONTEXT),
    (money_requests, "note_enc", NOTE_CONTEXT),
)


async def rotate_encryption(
    db: Database, clock: Clock, keys: Keyring, actor: Actor, *, batch: int = 500
) -> int:
    """Re-encrypt payees' labels and money request notes still under an older key, in
    batches of ``batch`` rows; returns how many rows changed (``teller keys rotate``)."""
    changed = 0
    for table, name, context in ENCRYPTED:
        column: Column[str] = table.c[name]
        after: UUID | None = None
        while True:
            async with db.transaction() as conn:
                query = select(table.c.id, column).order_by(table.c.id).limit(batch)
                if after is not None:
                    query = query.where(table.c.id > after)
                rows = (await conn.execute(query.with_for_update())).all()
                for row_id, token in rows:
                    if token is not None and keys.needs_rotation(token):
                        value = keys.rotate(token, context=context)
                        await conn.execute(
                            update(table).where(table.c.id == row_id).values({name: value})
                        )
                        changed += 1
                if rows:
                    after = rows[-1][0]
                details = {"table": table.name, "rows": len(rows)}
                await record(conn, clock.now(), actor, "rotate_encryption", "payments", details)
            if len(rows) < batch:
                break
    return changed
