"""``X-Viber-Content-Signature``: lowercase hex HMAC-SHA256 of the raw body, keyed with the
bot's auth token (viberbot ``Api.verify_signature``; the Node SDK's message validator)."""

from __future__ import annotations

import hashlib
import hmac


def sign(body: bytes, token: str) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str | None, token: str) -> bool:
    """Constant-time check; a missing or non-ASCII signature is simply wrong."""
    if not signature or not token:
        return False
    given = signature.strip().lower()
    if not given.isascii():
        return False
    return hmac.compare_digest(given.encode(), sign(body, token).encode())
