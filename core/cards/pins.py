"""PIN hashing with argon2id (argon2-cffi), off the event loop.

Hashing costs tens of milliseconds and 64 MiB by design (argon2-cffi's defaults, RFC 9106's
second recommended profile), so it runs in a worker thread: a PIN check must not stall
every other request of the process.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True, slots=True)
class PinCheck:
    """The outcome of checking a PIN: right or wrong, and a new hash if the parameters
    changed since it was stored (argon2's ``check_needs_rehash``)."""

    ok: bool
    rehashed: str | None = None


class PinHasher:
    """Hashes and verifies peppered PIN digests (see ``CardVault.pin_digest``)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    async def hash(self, digest: str) -> str:
        """The argon2id hash to store for ``digest``."""
        return await asyncio.to_thread(self._hasher.hash, digest)

    async def check(self, stored: str, digest: str) -> PinCheck:
        """Whether ``digest`` matches the ``stored`` hash."""
        return await asyncio.to_thread(self._check, stored, digest)

    def _check(self, stored: str, digest: str) -> PinCheck:
        try:
            self._hasher.verify(stored, digest)
        except (VerificationError, InvalidHashError):
            return PinCheck(ok=False)
        if self._hasher.check_needs_rehash(stored):
            return PinCheck(ok=True, rehashed=self._hasher.hash(digest))
        return PinCheck(ok=True)
