"""Running a money-moving command: idempotent, audited, all or nothing.

Every ledger command goes through :func:`execute`: one transaction that claims the
idempotency key, does the command's work, keeps its response if needed and appends the
audit record last (so the audit chain's head is locked only until commit). A rejected
command rolls all of that back and is audited on its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID, uuid4

from core import idempotency
from core.actors import Actor
from core.audit.chain import AuditRecord
from core.audit.log import plain
from core.clock import Clock
from core.errors import CoreError
from core.ledger.commands import _Command
from core.ledger.store import LedgerStore, open_store
from core.persistence.database import Database

T = TypeVar("T")


Work = Callable[[LedgerStore, UUID, datetime], Awaitable[T]]  # (store, new id, now)


def no_check() -> None:
    """For commands with nothing to validate before the transaction."""


async def no_locks() -> tuple[UUID, ...]:
    """For commands that find out in their work which accounts they touch."""
    return ()


@dataclass(frozen=True)
class Command(Generic[T]):
    """What one command does, for :func:`execute`."""

    name: str  # the audit action and the idempotency namespace
    command: _Command
    target: str  # what the audit record is about, e.g. "account:<id>"
    work: Work[T]
    replay: Callable[[LedgerStore, idempotency.Claim], Awaitable[T]]
    describe: Callable[[T], dict[str, Any]]  # audit details of a success
    check: Callable[[], None] = no_check  # validation before any I/O
    # The accounts ``work`` locks first, when known before it runs: they are locked with
    # the key's claim (one round trip fewer on PostgreSQL). It must be exactly the set the
    # work's first ``lock_accounts`` asks for, or locks would be taken out of id order.
    locks: Callable[[], Awaitable[tuple[UUID, ...]]] = no_locks
    keep_response: Callable[[T], dict[str, Any]] | None = None


async def execute(db: Database, clock: Clock, spec: Command[T], actor: Actor) -> T:
    """Run ``spec`` once per idempotency key; see the module docstring."""
    scope = str(actor)
    cmd = spec.command
    try:
        spec.check()
        fields = cmd.fingerprint_fields()
        fingerprint = idempotency.fingerprint(spec.name, fields)
        locks = await spec.locks()
        async with open_store(db) as store:
            now = clock.now()
            claim = await store.claim_key(
                scope=scope,
                key=cmd.idempotency_key,
                command=spec.name,
                fingerprint=fingerprint,
                resource_id=uuid4(),
                at=now,
                lock=locks,
            )
            if not claim.is_new:
                return await spec.replay(store, claim)
            result = await spec.work(store, claim.resource_id, now)
            if spec.keep_response is not None:
                await store.keep_response(
                    scope=scope, key=cmd.idempotency_key, response=spec.keep_response(result)
                )
            details = plain({**fields, **spec.describe(result)})
            await store.append_audit(
                AuditRecord(now, scope, spec.name, spec.target, "ok", details)
            )
            return result
    except CoreError as exc:
        await reject(db, clock, actor, spec.name, spec.target, exc)
        raise


async def reject(
    db: Database, clock: Clock, actor: Actor, action: str, target: str, error: CoreError
) -> None:
    """Audit a refused command in its own transaction (the command's was rolled back)."""
    async with open_store(db) as store:
        await store.append_audit(
            AuditRecord(
                clock.now(),
                str(actor),
                action,
                target,
                f"rejected:{error.code}",
                plain(error.data),
            )
        )
