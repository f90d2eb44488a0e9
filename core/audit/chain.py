"""The audit log's hash chain: each record's hash covers its content and the previous hash.

Editing any field of a record changes its hash; removing a record breaks the link of the
next one; removing the newest records leaves the head pointing past the end. Hashes are
SHA-256 over a canonical JSON form so they are stable across backends and versions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


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
