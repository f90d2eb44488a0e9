"""Sealing small secrets that flows must keep for a while (a recipient's card number
between the question and the transfer, a TOTP secret): AES-GCM with flows' own key, so
the conversation table never holds them in the clear."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class Sealer:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the flows key is at least 32 bytes")
        self._key = key
        self._aead = AESGCM(hashlib.sha256(b"teller-flows-seal" + key).digest())

    def seal(self, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), b"teller-flows")
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def unseal(self, sealed: str) -> str:
        raw = base64.urlsafe_b64decode(sealed.encode())
        try:
            return self._aead.decrypt(raw[:12], raw[12:], b"teller-flows").decode()
        except InvalidTag:
            raise ValueError("not sealed with this key") from None

    def sign(self, message: bytes, purpose: str) -> bytes:
        """A MAC of ``message`` for ``purpose`` (secure links, one-time codes)."""
        return hmac.new(self._key, purpose.encode() + b"\0" + message, hashlib.sha256).digest()
