"""Encryption of personal data at rest, with key rotation and blind indexes.

Personal data (names, phone numbers, document numbers) is stored as text tokens::

    v1.<key_id>.<base64url(nonce || ciphertext || tag)>

produced with AES-256-GCM under one of several named data keys. New data is always encrypted
with the *active* key; older keys stay in the keyring so existing tokens still decrypt, and
:meth:`Keyring.rotate` re-encrypts a token with the active key. The field a value belongs to
(its *context*, e.g. ``"customer.full_name"``) is bound as associated data, so a token copied
into another column fails to decrypt.

Lookups by value (a customer by phone number) use a *blind index*: an HMAC-SHA256 keyed with
a separate index key, which is deterministic and therefore searchable without decrypting.

The configuration format of a keyring is ``"<id>:<base64 key>,<id>:<base64 key>,..."`` where
the first entry is the active key, plus a base64 index key.

Nothing in this module ever puts key material into an exception message or a ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["DecryptionError", "Keyring"]

KEY_SIZE: Final = 32
"""Bytes in a data key (AES-256) and in the index key."""

NONCE_SIZE: Final = 12
"""Bytes in an AES-GCM nonce: 96 bits, drawn at random for every encryption."""

TAG_SIZE: Final = 16
"""Bytes in the AES-GCM authentication tag appended to the ciphertext."""

_VERSION: Final = "v1"
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_TOKEN = re.compile(r"v1\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]+)")


class DecryptionError(Exception):
    """A token could not be decrypted.

    Raised for a malformed token, an unknown key id, a wrong context or a tampered
    ciphertext. The message is one of a few fixed strings and never contains the token, the
    plaintext or key material. ``reason`` tells the cases apart for logs and metrics; a wrong
    context and tampering are indistinguishable by design (both fail authentication).
    """

    code: ClassVar[str] = "DECRYPTION_FAILED"

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot decrypt: {reason}")
        self.reason = reason


class Keyring:
    """Named AES-256-GCM data keys, the active one among them, and a blind-index key.

    A keyring is immutable. To rotate, build a new keyring whose active key is the new key
    and which still holds the old keys, then call :meth:`rotate` on stored tokens until
    :meth:`needs_rotation` is false for all of them; only then drop the old key.

    Random 96-bit nonces are safe for about 2**32 encryptions per key (NIST SP 800-38D, 8.3);
    rotating keys keeps every key far below that.
    """

    __slots__ = ("_active", "_ciphers", "_index_key")

    def __init__(self, keys: Mapping[str, bytes], active: str, index_key: bytes) -> None:
        """Build a keyring from key id -> 32-byte key, the active key id and the index key.

        Key ids must match ``[A-Za-z0-9_-]{1,32}``. Raises :class:`ValueError` when a key id
        is invalid, a key is not 32 bytes, ``active`` is not among ``keys`` or the index key
        is not 32 bytes or equals a data key. Messages never include key material (nor an
        invalid key id, which might be a misplaced key).
        """
        if not keys:
            raise ValueError("a keyring needs at least one data key")
        ciphers: dict[str, AESGCM] = {}
        data_keys: list[bytes] = []
        for position, (key_id, key) in enumerate(keys.items(), start=1):
            if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
                raise ValueError(f"data key #{position}: key id must match [A-Za-z0-9_-]{{1,32}}")
            _check_key(key, f"data key {key_id!r}")
            ciphers[key_id] = AESGCM(bytes(key))
            data_keys.append(bytes(key))
        if not isinstance(active, str) or active not in ciphers:
            raise ValueError("the active key id is not one of the data keys")
        _check_key(index_key, "index key")
        # The index key must be independent of the data keys: a blind index computed with a
        # data key would tie the searchable hashes to the encryption of the same values.
        if any(hmac.compare_digest(index_key, key) for key in data_keys):
            raise ValueError("the index key must differ from every data key")
        self._ciphers: Final = ciphers
        self._active: Final = active
        self._index_key: Final = bytes(index_key)

    @property
    def active(self) -> str:
        """The id of the key used for new encryptions."""
        return self._active

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The ids of all data keys, in the order they were given."""
        return tuple(self._ciphers)

    def __repr__(self) -> str:
        """Show the key ids and the active one, never key bytes."""
        return f"Keyring(active={self._active!r}, key_ids={self.key_ids!r})"

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Encrypt ``plaintext`` for the field ``context`` with the active key.

        Returns an ASCII token ``v1.<key_id>.<base64url(nonce||ciphertext)>`` without
        padding. Two encryptions of the same value differ (fresh random nonce). Raises
        :class:`ValueError` for an invalid context or a plaintext that is not valid Unicode
        (lone surrogates).
        """
        aad = _associated_data(context)
        nonce = os.urandom(NONCE_SIZE)
        sealed = self._ciphers[self._active].encrypt(nonce, plaintext.encode("utf-8"), aad)
        payload = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
        return f"{_VERSION}.{self._active}.{payload}"

    def decrypt(self, token: str, *, context: str) -> str:
        """Decrypt a token made by :meth:`encrypt` for the same ``context``.

        Raises :class:`DecryptionError` when the token is malformed, its key id is not in
        this keyring, it was encrypted for another context or it was altered; raises
        :class:`ValueError` for an invalid context.
        """
        aad = _associated_data(context)
        key_id, blob = _parse_token(token)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DecryptionError("unknown key id")
        try:
            plaintext = cipher.decrypt(blob[:NONCE_SIZE], blob[NONCE_SIZE:], aad)
        except InvalidTag:
            raise DecryptionError("authentication failed") from None
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError:
            # Only reachable if someone with the key encrypted bytes that are not UTF-8.
            raise DecryptionError("plaintext is not UTF-8") from None

    def needs_rotation(self, token: str) -> bool:
        """Whether ``token`` was encrypted with a key other than the active one.

        Only the token's header is read: an unknown key id counts as needing rotation (and
        :meth:`rotate` will then fail). Raises :class:`DecryptionError` for a malformed token.
        """
        key_id, _ = _parse_token(token)
        return key_id != self._active

    def rotate(self, token: str, *, context: str) -> str:
        """Return ``token`` re-encrypted with the active key.

        The token is always decrypted first, so a bad token raises :class:`DecryptionError`
        rather than being carried forward. A token already under the active key is returned
        unchanged, so rotating twice does not rewrite rows for nothing.
        """
        plaintext = self.decrypt(token, context=context)
        if not self.needs_rotation(token):
            return token
        return self.encrypt(plaintext, context=context)

    def blind_index(self, value: str, *, context: str) -> str:
        """A deterministic, keyed hash of ``value`` for lookups without decrypting.

        Hex HMAC-SHA256 with the index key over ``context + "\\x00" + value``, so equal
        values in different fields hash differently. Callers normalize ``value`` first (e.g.
        a phone number to E.164). Raises :class:`ValueError` for an invalid context.
        """
        _associated_data(context)
        message = f"{context}\x00{value}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    @classmethod
    def parse_spec(cls, spec: str, index_key_b64: str) -> Keyring:
        """Build a keyring from ``"<id>:<base64 key>,<id>:<base64 key>,..."``.

        The first entry is the active key. Keys are standard base64 of 32 bytes; whitespace
        around entries is ignored. Raises :class:`ValueError` for an empty spec, an entry
        without ``:``, an invalid key id, bad base64, a wrong key length or a duplicate id;
        messages name an entry by position and never show key text.
        """
        entries = [entry.strip() for entry in spec.split(",")]
        if entries == [""]:
            raise ValueError("the key spec is empty")
        keys: dict[str, bytes] = {}
        for position, entry in enumerate(entries, start=1):
            key_id, separator, key_b64 = entry.partition(":")
            key_id = key_id.strip()
            if not separator:
                raise ValueError(f"key spec entry #{position} is not '<id>:<base64 key>'")
            if not _KEY_ID.fullmatch(key_id):
                raise ValueError(
                    f"key spec entry #{position}: key id must match [A-Za-z0-9_-]{{1,32}}"
                )
            if key_id in keys:
                raise ValueError(f"key spec entry #{position}: duplicate key id {key_id!r}")
            keys[key_id] = _decode_key(key_b64, f"key spec entry #{position}")
        active = next(iter(keys))
        return cls(keys, active, _decode_key(index_key_b64, "index key"))

    @staticmethod
    def generate_spec() -> tuple[str, str]:
        """Create a fresh spec with one key and a fresh base64 index key.

        The key id is ``k`` and today's UTC date (``k20250131``). Returns ``(spec,
        index_key_b64)``, ready for :meth:`parse_spec`; development mode writes them once
        into the data directory.
        """
        key_id = datetime.now(UTC).strftime("k%Y%m%d")
        key_b64 = base64.b64encode(secrets.token_bytes(KEY_SIZE)).decode("ascii")
        index_key_b64 = base64.b64encode(secrets.token_bytes(KEY_SIZE)).decode("ascii")
        return f"{key_id}:{key_b64}", index_key_b64


def _check_key(key: object, what: str) -> None:
    """Raise ValueError unless ``key`` is 32 bytes; the message names ``what``, not the key."""
    if not isinstance(key, bytes | bytearray):
        raise ValueError(f"{what} must be bytes")
    if len(key) != KEY_SIZE:
        raise ValueError(f"{what} must be {KEY_SIZE} bytes, got {len(key)}")


def _decode_key(key_b64: str, what: str) -> bytes:
    """Decode a standard base64 key strictly; errors name ``what``, never the text."""
    try:
        key = base64.b64decode(key_b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        # `from None`: the original error adds nothing and keeps the traceback short.
        raise ValueError(f"{what} is not valid base64") from None
    _check_key(key, what)
    return key


def _associated_data(context: str) -> bytes:
    """The AES-GCM associated data for ``context``, after checking it.

    A context must be non-empty and free of NUL, which separates it from the value in a
    blind index (so ``("a\\x00b", "c")`` and ``("a", "b\\x00c")`` cannot collide).
    """
    if not context or "\x00" in context:
        raise ValueError("context must be a non-empty string without NUL characters")
    return context.encode("utf-8")


def _parse_token(token: str) -> tuple[str, bytes]:
    """Split a token into key id and ``nonce || ciphertext``, or raise DecryptionError."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
    if match is None:
        raise DecryptionError("malformed token")
    key_id, payload = match.groups()
    try:
        blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError("malformed token") from None
    # Accept only the canonical encoding, so one ciphertext has exactly one spelling.
    canonical = base64.urlsafe_b64encode(blob).rstrip(b"=").decode("ascii")
    if canonical != payload or len(blob) < NONCE_SIZE + TAG_SIZE:
        raise DecryptionError("malformed token")
    return key_id, blob
