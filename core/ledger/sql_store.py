"""The ledger store through SQLAlchemy: the portable one, used on SQLite."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from core import events, idempotency
from core.audit.chain import AuditRecord
from core.audit.log import append
from core.ledger import repository as repo
from core.ledger.model import AccountState, HoldStatus
from core.ledger.store import NewEntry
from core.ledger.views import EntryView, HoldView


class SqlStore:
    """:class:`core.ledger.store.LedgerStore` over a SQLAlchemy connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        # Accounts this transaction has locked, as it last wrote them (see LedgerStore).
        self._locked: dict[UUID, AccountState] = {}

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
    ) -> idempotency.Claim:
        claim = await idempotency.claim(
            self.conn,
            scope=scope,
            key=key,
            command=command,
            fingerprint_=fingerprint,
            resource_id=resource_id,
            at=at,
        )
        if claim.is_new and lock:
            self._locked.update(await repo.lock_some_accounts(self.conn, lock))
        return claim

    async def keep_response(self, *, scope: str, key: str, response: dict[str, Any]) -> None:
        await idempotency.store_response(self.conn, scope=scope, key=key, response=response)

    async def lock_accounts(self, ids: Iterable[UUID]) -> dict[UUID, AccountState]:
        wanted = sorted(set(ids))
        if not all(account_id in self._locked for account_id in wanted):
            self._locked.update(await repo.lock_accounts(self.conn, wanted))
        return {account_id: self._locked[account_id] for account_id in wanted}

    async def write_states(self, states: Sequence[AccountState], at: datetime) -> None:
        await repo.write_states(self.conn, states, at)
        self._locked.update((s.id, s) for s in states)

    async def write_entry(self, entry: NewEntry, at: datetime) -> EntryView:
        await repo.write_states(self.conn, entry.states, at)
        self._locked.update((s.id, s) for s in entry.states)
        view = await repo.insert_entry(
            self.conn,
            entry_id=entry.entry_id,
            kind=entry.kind,
            description=entry.description,
            actor=entry.actor,
            legs=entry.legs,
            at=at,
            reverses=entry.reverses,
        )
        await events.record(self.conn, entry.event_type, entry.entry_id, entry.event_payload, at)
        return view

    async def find_entry(self, entry_id: UUID) -> EntryView:
        return await repo.find_entry(self.conn, entry_id)

    async def reversal_of(self, entry_id: UUID) -> UUID | None:
        return await repo.reversal_of(self.conn, entry_id)

    async def find_hold(self, hold_id: UUID, *, lock: bool = False) -> HoldView:
        return await repo.find_hold(self.conn, hold_id, lock=lock)

    async def insert_hold(self, view: HoldView) -> None:
        await repo.insert_hold(self.conn, view)

    async def finish_hold(
        self,
        hold_id: UUID,
        *,
        status: HoldStatus,
        at: datetime,
        posted_amount: int | None = None,
        entry_id: UUID | None = None,
    ) -> HoldView:
        return await repo.finish_hold(
            self.conn,
            hold_id,
            status=status,
            at=at,
            posted_amount=posted_amount,
            entry_id=entry_id,
        )

    async def record_event(
        self, type_: str, aggregate_id: object, payload: dict[str, Any], at: datetime
    ) -> None:
        await events.record(self.conn, type_, aggregate_id, payload, at)

    async def append_audit(self, record: AuditRecord) -> int:
        return await append(self.conn, record)
