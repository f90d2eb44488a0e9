"""Checking the audit chain: every hash, every link, no gap, and the head at the end."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.audit.chain import GENESIS_HASH, AuditRecord, link_hash
from core.persistence.tables import audit_head, audit_log

_BATCH = 5000


@dataclass
class AuditReport:
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_chain(conn: AsyncConnection) -> AuditReport:
    """Walk the whole chain in order and report every break found."""
    report = AuditReport()
    expected_seq, prev_hash = 1, GENESIS_HASH
    last_seq = 0
    while True:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(audit_log.c.seq > last_seq)
                .order_by(audit_log.c.seq)
                .limit(_BATCH)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            seq = int(row.seq)
            if seq != expected_seq:
                report.problems.append(f"records {expected_seq}..{seq - 1} are missing")
            if row.prev_hash != prev_hash:
                report.problems.append(f"record {seq}: link to the previous record is broken")
            record = AuditRecord(
                row.at, row.actor, row.action, row.target, row.outcome, dict(row.details)
            )
            if link_hash(row.prev_hash, record, seq) != row.hash:
                report.problems.append(f"record {seq}: content does not match its hash")
            prev_hash, expected_seq, last_seq = row.hash, seq + 1, seq
            report.records += 1
    head = (await conn.execute(select(audit_head).where(audit_head.c.id == 1))).one_or_none()
    if head is None:
        report.problems.append("the chain head is missing")
    elif int(head.seq) != last_seq or head.hash != prev_hash:
        report.problems.append(
            f"the chain head (record {head.seq}) does not match the newest record ({last_seq})"
        )
    return report
