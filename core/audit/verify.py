"""Checking the audit chains: every hash, every link, no gap, and each head at its end."""

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
    chains: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    """Where the walk along one chain has got to."""

    expected_seq: int = 1
    prev_hash: str = GENESIS_HASH


async def verify_chain(conn: AsyncConnection) -> AuditReport:
    """Walk every chain in order and report every break found."""
    report = AuditReport()
    walks: dict[int, _Walk] = {}
    last = (-1, 0)
    while True:
        rows = (
            await conn.execute(
                select(audit_log)
                .where(
                    (audit_log.c.chain > last[0])
                    | ((audit_log.c.chain == last[0]) & (audit_log.c.seq > last[1]))
                )
                .order_by(audit_log.c.chain, audit_log.c.seq)
                .limit(_BATCH)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            chain, seq = int(row.chain), int(row.seq)
            walk = walks.setdefault(chain, _Walk())
            name = f"chain {chain} record {seq}"
            if seq != walk.expected_seq:
                report.problems.append(
                    f"chain {chain}: records {walk.expected_seq}..{seq - 1} are missing"
                )
            if row.prev_hash != walk.prev_hash:
                report.problems.append(f"{name}: link to the previous record is broken")
            record = AuditRecord(
                row.at, row.actor, row.action, row.target, row.outcome, dict(row.details)
            )
            if link_hash(row.prev_hash, record, seq) != row.hash:
                report.problems.append(f"{name}: content does not match its hash")
            walk.prev_hash, walk.expected_seq = row.hash, seq + 1
            report.records += 1
            last = (chain, seq)
    heads = (await conn.execute(select(audit_head))).all()
    if not heads:
        report.problems.append("the chain heads are missing")
    for head in heads:
        walk = walks.get(int(head.id), _Walk())
        if int(head.seq) != walk.expected_seq - 1 or head.hash != walk.prev_hash:
            report.problems.append(
                f"chain {head.id}: the head (record {head.seq}) does not match the newest "
                f"record ({walk.expected_seq - 1})"
            )
    for chain in walks.keys() - {int(h.id) for h in heads}:
        report.problems.append(f"chain {chain} has records but no head")
    report.chains = len(heads)
    return report
