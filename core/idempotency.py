"""Idempotency keys for money-moving commands.

The key is claimed inside the command's own transaction, before any money moves. A
duplicate running at the same time blocks on the key's unique index until the first
commits, then finds the first result; if the first fails, its claim rolls back with it
and the key stays free. So: same key and same request → the first result; same key and a
different request → :class:`IdempotencyConflict`; a rejected command consumes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import ValidationFailed
from core.ledger.errors import IdempotencyConflict
from core.persistence.tables import idempotency_keys

MAX_KEY_LENGTH = 128


def fingerprint(command: str, fields: dict[str, Any]) -> str:
    """A stable digest of a command and its parameters (not its key)."""
    body = json.dumps([command, fields], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def validate_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or key.strip() != key:
        raise ValidationFailed(
            "an idempotency key is 1 to 128 printable characters",
            field="idempotency_key",
        )
    return key


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of claiming a key: new, or the earlier command's resource."""

    is_new: bool
    resource_id: UUID
    response: dict[str, Any] | None = None


async def claim(
    conn: AsyncConnection,
    *,
    scope: str,
    key: str,
    command: str,
    fingerprint_: str,
    resource_id: UUID,
    at: datetime,
) -> Claim:
    """Claim ``key`` for a new command, or return what its first use produced."""
    values = {
        "scope": scope,
        "key": validate_key(key),
        "fingerprint": fingerprint_,
        "command": command,
        "resource_id": resource_id,
        "created_at": at,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    inserted = (
        await conn.execute(
            dialect.insert(idempotency_keys)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(idempotency_keys.c.key)
        )
    ).first()
    if inserted is not None:
        return Claim(is_new=True, resource_id=resource_id)
    row = (
        await conn.execute(
            select(idempotency_keys).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        )
    ).one()
    return earlier(
        row.command,
        row.fingerprint,
        row.resource_id,
        row.response,
        command=command,
        fingerprint_=fingerprint_,
    )


def earlier(
    stored_command: str,
    stored_fingerprint: str,
    resource_id: UUID,
    response: dict[str, Any] | None,
    *,
    command: str,
    fingerprint_: str,
) -> Claim:
    """The claim of a key used before: its first result, or a conflict if the request differs."""
    if stored_command != command or stored_fingerprint != fingerprint_:
        # The key itself is the client's text: not echoed back (see core.errors).
        raise IdempotencyConflict("this idempotency key was used for a different request")
    return Claim(is_new=False, resource_id=resource_id, response=response)


async def store_response(
    conn: AsyncConnection, *, scope: str, key: str, response: dict[str, Any]
) -> None:
    """Keep the first response for commands whose resource changes later."""
    await conn.execute(
        update(idempotency_keys)
        .where(idempotency_keys.c.scope == scope, idempotency_keys.c.key == key)
        .values(response=response)
    )
