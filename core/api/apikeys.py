"""API keys for service clients of the core API (the embedded default's authentication).

A key looks like ``tlr_<prefix>_<secret>``. Only the prefix and a SHA-256 of the whole
key are stored: the key has 256 bits of entropy, so a fast hash is enough (a slow
password hash protects guessable secrets, and these are not guessable).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from uuid import UUID, uuid4

from sqlalchemy import insert, select, update

from core.actors import Actor
from core.audit.log import record
from core.clock import Clock
from core.errors import CoreError, ValidationFailed
from core.persistence.database import Database
from core.persistence.tables import api_clients

# Roles a client may hold; each API operation requires one (see core.api.routes).
ROLES = (
    "bank.read",
    "bank.customers",
    "bank.payments",
    "bank.cash",
    "bank.admin",
    "bank.processor",  # card processors: authorizations, clearings, reversals (cards)
    "bank.support",  # staff tools: escalated conversations (claim, reply, release)
)
_CACHE_SECONDS = 30.0
# Unknown prefixes are cached too (so guessing costs no database round trip); the bound
# keeps a stream of made-up keys from growing the cache without end.
_CACHE_MAX = 10_000
# The client acts as "api:<name>", which must fit the 80 characters of the audit log's and
# idempotency keys' actor columns.
MAX_NAME = 80 - len("api:")


class ApiClientExists(CoreError):
    code = "API_CLIENT_EXISTS"
    http_status = 409
    default_message = "An API client with this name exists."


@dataclass(frozen=True, slots=True)
class ApiClient:
    id: UUID
    name: str
    roles: frozenset[str]


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # prefix -> (expires, digest, client); a revoked key works for at most this long.
        self._cache: dict[str, tuple[float, str, ApiClient | None]] = {}

    async def create(self, name: str, roles: list[str], actor: Actor) -> tuple[ApiClient, str]:
        """Create a client and return it with its key; the key is shown only this once."""
        unknown = sorted(set(roles) - set(ROLES))
        if unknown or not roles:
            raise ValidationFailed(f"roles are some of {', '.join(ROLES)}", field="roles")
        if not name or len(name) > MAX_NAME or not name.isprintable():
            raise ValidationFailed(f"a name of 1 to {MAX_NAME} characters", field="name")
        prefix = secrets.token_hex(4)
        key = f"tlr_{prefix}_{secrets.token_urlsafe(32)}"
        client = ApiClient(uuid4(), name, frozenset(roles))
        now = self._clock.now()
        async with self._db.transaction() as conn:
            if (
                await conn.execute(select(api_clients.c.id).where(api_clients.c.name == name))
            ).first():
                raise ApiClientExists(name=name)
            await conn.execute(
                insert(api_clients).values(
                    id=client.id,
                    name=name,
                    key_prefix=prefix,
                    key_hash=_digest(key),
                    roles=sorted(roles),
                    created_at=now,
                )
            )
            await record(
                conn,
                now,
                actor,
                "create_api_client",
                f"api_client:{client.id}",
                {"name": name, "roles": ",".join(sorted(roles))},
            )
        return client, key

    async def revoke(self, name: str, actor: Actor) -> bool:
        now = self._clock.now()
        async with self._db.transaction() as conn:
            result = await conn.execute(
                update(api_clients)
                .where(api_clients.c.name == name, api_clients.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            if result.rowcount:
                await record(conn, now, actor, "revoke_api_client", f"api_client:{name}")
        self._cache.clear()
        return bool(result.rowcount)

    async def authenticate(self, key: str) -> ApiClient | None:
        """The client owning ``key``, or None (unknown, wrong or revoked)."""
        parts = key.split("_")
        if len(parts) < 3 or parts[0] != "tlr" or len(parts[1]) != 8:
            return None
        prefix = parts[1]
        cached = self._cache.get(prefix)
        if cached is None or cached[0] < time.monotonic():
            cached = await self._load(prefix)
        _, digest, client = cached
        if client is None or not hmac.compare_digest(digest, _digest(key)):
            return None
        return client

    async def _load(self, prefix: str) -> tuple[float, str, ApiClient | None]:
        async with self._db.read() as conn:
            row = (
                await conn.execute(select(api_clients).where(api_clients.c.key_prefix == prefix))
            ).one_or_none()
        client = None
        digest = ""
        if row is not None and row.revoked_at is None:
            client = ApiClient(row.id, row.name, frozenset(row.roles))
            digest = row.key_hash
        entry = (time.monotonic() + _CACHE_SECONDS, digest, client)
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[prefix] = entry
        return entry
