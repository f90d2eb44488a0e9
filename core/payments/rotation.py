"""Re-encrypting the payments area's encrypted columns under the active key."""

from __future__ import annotations

from core.actors import Actor
from core.clock import Clock
from core.crypto import Keyring
from core.payments.repository import LABEL_CONTEXT
from core.payments.request_store import NOTE_CONTEXT
from core.payments.tables import money_requests, payments
from core.persistence.database import Database
from core.rotation import EncryptedColumn, rotate_columns

# (table, encrypted column, encryption context)
ENCRYPTED: tuple[EncryptedColumn, ...] = (
    (payments, "recipient_label_enc", LABEL_CONTEXT),
    (money_requests, "note_enc", NOTE_CONTEXT),
)


async def rotate_encryption(
    db: Database, clock: Clock, keys: Keyring, actor: Actor, *, batch: int = 500
) -> int:
    """Re-encrypt payees' labels and money request notes still under an older key, in
    batches of ``batch`` rows; returns how many rows changed (``teller keys rotate``)."""
    return await rotate_columns(db, clock, keys, actor, ENCRYPTED, target="payments", batch=batch)
