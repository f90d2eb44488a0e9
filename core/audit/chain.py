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


def canonical_parts(record: AuditRecord) -> tuple[str, str]:
    """The canonical form of a record around its sequence number: ``prefix + seq + suffix``.

    The sequence number is only known once the chain's head is taken; PostgreSQL's hot
    path sends these parts and completes the hash in the statement that takes the head
    (see ``core.ledger.pg_store``).
    """
    body = {
        # Microsecond precision in UTC: what both SQLite and PostgreSQL keep.
        "at": record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": record.actor,
        "action": record.action,
        "outcome": record.outcome,
        "details": record.details,
    }
    # Keys are sorted, and every key of ``body`` sorts before "seq", which sorts before
    # "target": the same text as one sorted dump of all seven keys.
    head = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    target = json.dumps(record.target, ensure_ascii=False)
    return head[:-1] + ',"seq":', ',"target":' + target + "}"


def canonical(record: AuditRecord, seq: int) -> bytes:
    """The bytes a record's hash is computed over: its sorted, compact JSON form."""
    prefix, suffix = canonical_parts(record)
    return (prefix + str(seq) + suffix).encode()


def link_hash(prev_hash: str, record: AuditRecord, seq: int) -> str:
    """The hash of record ``seq`` following a record whose hash is ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(record, seq)).hexdigest()


def chain_of(target: str) -> int:
    """The chain a record about ``target`` joins: stable across processes and versions."""
    return int.from_bytes(hashlib.sha256(target.encode()).digest()[:4], "big") % CHAINS
