"""Re-encrypting columns under the active key: what ``teller keys rotate`` does for every
part of the bank that keeps encrypted values (each declares its columns)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Column, Table, select, update

from core.actors import Actor
from core.audit.log import record
from core.clock import Clock
from core.crypto import Keyring
from core.persistence.database import Database

# (table with a UUID ``id``, encrypted column, encryption context)
EncryptedColumn = tuple[Table, str, str]


async def rotate_columns(
    db: Database,
    clock: Clock,
    keys: Keyring,
    actor: Actor,
    columns: Sequence[EncryptedColumn],
    *,
    target: str,
    batch: int = 500,
) -> int:
    """Re-encrypt the values of ``columns`` still under an older key, in batches of
    ``batch`` locked rows, each batch audited under ``target``; returns rows changed."""
    changed = 0
    for table, name, context in columns:
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
                details = {"table": table.name, "column": name, "rows": len(rows)}
                await record(conn, clock.now(), actor, "rotate_encryption", target, details)
            if len(rows) < batch:
                break
    return changed
