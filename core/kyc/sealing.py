"""Envelope encryption of document files.

Each document gets its own random AES-256-GCM data key; the file is sealed with it, and
the data key is stored in the database wrapped by the bank's :class:`~core.crypto.Keyring`
(so it carries the keyring's key id). The document store only ever holds ciphertext, and
rotating the keyring re-wraps small data keys instead of re-encrypting every file. The
document's id is bound as associated data: a blob moved to another document's key or row
fails to open.
"""

from __future__ import annotations

import base64
import os
from typing import Final
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.crypto import DecryptionError, Keyring

_MAGIC: Final = b"TKD1"  # Teller KYC document, format 1: magic || nonce || ciphertext+tag
_NONCE: Final = 12


def _key_context(document_id: UUID) -> str:
    return f"kyc.document_key:{document_id}"


def _aad(document_id: UUID) -> bytes:
    return f"kyc.document:{document_id}".encode()


class DocumentSealer:
    """Seals and opens document files under per-document keys wrapped by the keyring."""

    def __init__(self, keyring: Keyring) -> None:
        self._keys = keyring

    def seal(self, document_id: UUID, content: bytes) -> tuple[bytes, str]:
        """``(blob, wrapped_key)``: the blob for the store, the wrapped key for the row."""
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE)
        blob = _MAGIC + nonce + AESGCM(data_key).encrypt(nonce, content, _aad(document_id))
        wrapped = self._keys.encrypt(
            base64.b64encode(data_key).decode("ascii"), context=_key_context(document_id)
        )
        return blob, wrapped

    def open(self, document_id: UUID, blob: bytes, wrapped_key: str) -> bytes:
        """The plaintext, or :class:`~core.crypto.DecryptionError` if anything was altered."""
        data_key = base64.b64decode(
            self._keys.decrypt(wrapped_key, context=_key_context(document_id))
        )
        if not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + _NONCE + 16:
            raise DecryptionError("malformed token")
        nonce = blob[len(_MAGIC) : len(_MAGIC) + _NONCE]
        try:
            return AESGCM(data_key).decrypt(nonce, blob[len(_MAGIC) + _NONCE :], _aad(document_id))
        except InvalidTag:
            raise DecryptionError("authentication failed") from None

    def needs_rotation(self, wrapped_key: str) -> bool:
        return self._keys.needs_rotation(wrapped_key)

    def rewrap(self, document_id: UUID, wrapped_key: str) -> str:
        """The data key wrapped under the keyring's active key (the file is untouched)."""
        return self._keys.rotate(wrapped_key, context=_key_context(document_id))
