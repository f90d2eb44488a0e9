"""Where the ledger's commands read and write, inside one transaction.

Commands are written once against :class:`LedgerStore`. Two implementations keep the same
contract (and run the same test suites): ``SqlStore`` through SQLAlchemy, for every
backend, and ``PgStore`` straight on asyncpg, PostgreSQL's hot path, which folds a
command's statements into as few round trips as it can (see docs/decisions).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from core.audit.chain import AuditRecord
from core.idempotency import Claim
from core.ledger.model import AccountState, EntryKind, HoldStatus, PostedLeg
from core.ledger.views import EntryView, HoldView
from core.persistence.database import Database


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A journal entry ready to be written: its legs already applied to ``states``."""

    entry_id: UUID
    kind: EntryKind
    description: str
    actor: str
    legs: Sequence[PostedLeg]
    states: Sequence[AccountState]  # the touched accounts after the entry
    event_type: str
    event_payload: dict[str, Any]
    reverses: UUID | None = None


class LedgerStore(Protocol):
    """The ledger's persistence within one transaction."""

    async def claim_key(
        self,
        *,
        scope: str,
        key: str,
        command: str,
        fingerprint: str,
        resource_id: UUID,
        at: datetime,
        lock: Sequence[UUID] = (),
    ) -> Claim:
        """Claim an idempotency key, or return what its first use produced.

        A new claim also locks the accounts in ``lock`` (after the key, in id order), so
        that the command's ``lock_accounts`` of them costs nothing more; ids not found are
        left for ``lock_accounts`` to report.
        """
        ...

    async def keep_response(self, *, scope: str, key: str, response: dict[str, Any]) -> None:
        """Keep a command's first response with its key."""
        ...

    async def lock_accounts(self, ids: Iterable[UUID]) -> dict[UUID, AccountState]:
        """Lock the accounts in id order and return their states; unknown ids raise.

        Accounts this transaction locked before come back as it last wrote them.
        """
        ...

    async def write_states(self, states: Sequence[AccountState], at: datetime) -> None:
        """Write locked accounts' new balances and holds."""
        ...

    async def write_entry(self, entry: NewEntry, at: datetime) -> EntryView:
        """Write the new balances, the entry, its postings and its event."""
        ...

    async def find_entry(self, entry_id: UUID) -> EntryView: ...

    async def reversal_of(self, entry_id: UUID) -> UUID | None:
        """The entry that reversed ``entry_id``, if any."""
        ...

    async def find_hold(self, hold_id: UUID, *, lock: bool = False) -> HoldView: ...

    async def insert_hold(self, view: HoldView) -> None: ...

    async def finish_hold(
        self,
        hold_id: UUID,
        *,
        status: HoldStatus,
        at: datetime,
        posted_amount: int | None = None,
        entry_id: UUID | None = None,
    ) -> HoldView: ...

    async def record_event(
        self, type_: str, aggregate_id: object, payload: dict[str, Any], at: datetime
    ) -> None: ...

    async def append_audit(self, record: AuditRecord) -> int:
        """Append to the record's audit chain; returns its sequence number."""
        ...


@asynccontextmanager
async def open_store(db: Database) -> AsyncIterator[LedgerStore]:
    """A store in a new write transaction, committed when the block ends cleanly."""
    if db.is_postgres:
        from core.ledger.pg_store import PgStore

        async with db.driver_transaction() as pg:
            store = PgStore(pg)
            yield store
            await store.flush()  # an entry's writes still pending go before COMMIT
        return
    from core.ledger.sql_store import SqlStore

    async with db.transaction() as conn:
        yield SqlStore(conn)
