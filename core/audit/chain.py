"""The audit log's hash chains: each record's hash covers its content and the previous hash.

Editing any field of a record changes its hash; removing a record breaks the link of the
next one; removing the newest records leaves the chain's head pointing past the end. Hashes
are SHA-256 over a canonical JSON form so they are stable across backends and versions.

There are :data:`CHAINS` independent chains and a record joins the chain of its target
(an account, a hold, a customer). Appending locks the chain's head until commit; one
chain per target keeps that lock where the command already serializes (on the target's
own rows) instead of making every command in the bank wait for one row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
CHAINS = 64


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    target: str
    outcome: str
    details: dict[str, Any]


def canonical(record: AuditRecord, seq: int) -> bytes:
    """The bytes a record's hash is computed over."""
    body = {
        "seq": seq,
        # Microsecond precision in UTC: what both SQLite and PostgreSQL keep.
        "at": record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": record.actor,
        "action": record.action,
        "target": record.target,
        "outcome": record.outcome,
        "details": record.details,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(prev_hash: str, record: AuditRecord, seq: int) -> str:
    """The hash of record ``seq`` following a record whose hash is ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(record, seq)).hexdigest()


def chain_of(target: str) -> int:
    """The chain a record about ``target`` joins: stable across processes and versions."""
    return int.from_bytes(hashlib.sha256(target.encode()).digest()[:4], "big") % CHAINS
