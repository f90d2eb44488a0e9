"""Signed callbacks: HMAC-SHA256 over ``<timestamp>.<raw body>``, with a time tolerance.

The header is Stripe's shape (https://docs.stripe.com/webhooks#verify-manually)::

    Teller-Acquirer-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e7…

``t`` is the Unix time of signing; each ``v1`` is a hex HMAC-SHA256 of ``f"{t}."`` followed
by the exact body bytes, keyed with a shared secret. Signing the timestamp with the body
means it cannot be changed, so a callback older than the tolerance is refused as a replay.
Several ``v1`` values (and several secrets on the receiving side) let the secret rotate
without a gap. Comparisons are constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from core.ports import CallbackRejected

HEADER = "Teller-Acquirer-Signature"
TOLERANCE = timedelta(minutes=5)
_MAX_HEADER = 1024
_HEX = frozenset("0123456789abcdef")


def mac(body: bytes, secret: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of ``f"{timestamp}."`` + ``body`` under ``secret``."""
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: bytes, timestamp: int) -> str:
    """The header value for ``body`` signed at ``timestamp`` (Unix seconds)."""
    return f"t={timestamp},v1={mac(body, secret, timestamp)}"


def header_of(headers: Mapping[str, str]) -> str | None:
    """The signature header from request headers (names compared case-insensitively)."""
    wanted = HEADER.lower()
    for name, value in headers.items():
        if name.lower() == wanted:
            return value
    return None


def _parse(header: str) -> tuple[int, list[str]]:
    if len(header) > _MAX_HEADER:
        raise CallbackRejected("malformed")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, separator, value = item.strip().partition("=")
        if not separator:
            raise CallbackRejected("malformed")
        if name == "t":
            if (
                timestamp is not None
                or not value.isascii()
                or not value.isdigit()
                or len(value) > 12
            ):
                raise CallbackRejected("malformed")
            timestamp = int(value)
        elif name == "v1":
            if len(value) != 64 or not set(value) <= _HEX:
                raise CallbackRejected("malformed")
            signatures.append(value)
        # Other schemes (v0, future ones) are ignored, as Stripe's libraries do.
    if timestamp is None or not signatures:
        raise CallbackRejected("malformed")
    return timestamp, signatures


def verify(
    body: bytes,
    header: str | None,
    secrets: Sequence[bytes],
    now: datetime,
    tolerance: timedelta = TOLERANCE,
) -> None:
    """Accept ``body`` only if ``header`` signs it under one of ``secrets``, recently.

    Raises :class:`~core.ports.CallbackRejected` with ``missing``, ``malformed``,
    ``mismatch`` or ``stale``. The signature is checked before the time, so ``stale``
    only ever describes a genuine but old callback (a replay).
    """
    if not header:
        raise CallbackRejected("missing")
    timestamp, given = _parse(header)
    expected = [mac(body, secret, timestamp) for secret in secrets]
    # Every pair is compared, whatever matches first: the time taken says nothing.
    matched = False
    for candidate in given:
        for wanted in expected:
            matched |= hmac.compare_digest(candidate, wanted)
    if not matched:
        raise CallbackRejected("mismatch")
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        raise CallbackRejected("stale")
