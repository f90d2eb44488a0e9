"""Appending to and reading the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.audit.chain import AuditRecord, chain_of, link_hash
from core.errors import CoreError
from core.persistence.database import Database
from core.persistence.tables import audit_head, audit_log


async def append(conn: AsyncConnection, record: AuditRecord) -> int:
    """Append ``record`` to its chain inside the caller's transaction; returns its seq.

    The chain's head row is updated first, which locks it until commit: appends to one
    chain are serialized, so it has no forks. Callers append last, just before commit, to
    keep that lock short.
    """
    chain = chain_of(record.target)
    row = (
        await conn.execute(
            update(audit_head)
            .where(audit_head.c.id == chain)
            .values(seq=audit_head.c.seq + 1, prev_hash=audit_head.c.hash)
            .returning(audit_head.c.seq, audit_head.c.prev_hash)
        )
    ).one()
    seq, prev_hash = int(row.seq), str(row.prev_hash)
    digest = link_hash(prev_hash, record, seq)
    await conn.execute(
        insert(audit_log).values(
            chain=chain,
            seq=seq,
            at=record.at,
            actor=record.actor,
            action=record.action,
            target=record.target,
            outcome=record.outcome,
            details=record.details,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    await conn.execute(update(audit_head).where(audit_head.c.id == chain).values(hash=digest))
    return seq


async def recent(
    conn: AsyncConnection, *, limit: int = 100, since: datetime | None = None
) -> list[tuple[int, AuditRecord]]:
    """The newest records, newest first."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    rows = (await conn.execute(query)).all()
    return [
        (
            int(r.seq),
            AuditRecord(r.at, r.actor, r.action, r.target, r.outcome, dict(r.details)),
        )
        for r in rows
    ]


async def record(
    conn: AsyncConnection,
    at: datetime,
    actor: object,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> int:
    """Append a record for a command that succeeded (or whatever ``outcome`` says)."""
    return await append(
        conn, AuditRecord(at, str(actor), action, target, outcome, plain(details or {}))
    )


async def record_rejection(
    db: Database, at: datetime, actor: object, action: str, target: str, error: CoreError
) -> None:
    """In its own transaction (the command's was rolled back): who tried what and why not."""
    async with db.transaction() as conn:
        await record(conn, at, actor, action, target, error.data, f"rejected:{error.code}")


def plain(fields: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe details: numbers, strings, booleans and null kept, the rest as text."""
    return {k: v if isinstance(v, int | str | bool | None) else str(v) for k, v in fields.items()}
