"""The card vault: where a card number is sealed, found again and verified.

* The full number is stored only as a Keyring token (AES-256-GCM, the key id inside the
  token for rotation, bound to the field ``card.number``) and as a keyed blind index
  (HMAC-SHA256 under the index key) that finds a card by its number without decrypting.
* The CVV is never stored. It is *derived*, as issuers do with a card verification key:
  a keyed HMAC of number and expiry, cut to three digits. The bank recomputes it to show
  it once (the reveal) and to check what a processor sends (see docs/decisions/0015).
* A PIN is peppered with a keyed HMAC bound to the card before it is hashed with argon2
  (``core.cards.pins``), so a stolen table alone does not give up four-digit PINs.
* Reveal tokens are random 256-bit strings of which only a SHA-256 is stored.

Nothing here logs, and no error raised here carries a number, CVV, PIN or token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from uuid import UUID

from core.cards.model import Expiry, last_four
from core.crypto import Keyring

NUMBER = "card.number"  # the Keyring context of the sealed number and of its index
_CVV = "card.cvv"
_PIN = "card.pin"
_REQUEST = "card.request"


@dataclass(frozen=True, slots=True)
class SealedNumber:
    """What is stored of a card number: the token, the lookup hash, the last four."""

    token: str = ""
    index: str = ""
    last4: str = ""

    def __repr__(self) -> str:
        return f"SealedNumber(last4={self.last4!r})"


class CardVault:
    """Seals and checks card data with the bank's :class:`~core.crypto.Keyring`."""

    def __init__(self, keyring: Keyring) -> None:
        self._keys = keyring

    def __repr__(self) -> str:
        return "CardVault()"

    def seal(self, number: str) -> SealedNumber:
        """Encrypt ``number`` under the active key, with its index and last four digits."""
        return SealedNumber(
            self._keys.encrypt(number, context=NUMBER), self.index(number), last_four(number)
        )

    def open(self, token: str) -> str:
        """The card number in ``token`` (for the reveal and CVV checks only)."""
        return self._keys.decrypt(token, context=NUMBER)

    def index(self, number: str) -> str:
        """The keyed hash that finds a card by its (normalized) number."""
        return self._keys.blind_index(number, context=NUMBER)

    def needs_rotation(self, token: str) -> bool:
        return self._keys.needs_rotation(token)

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted under the active key."""
        return self._keys.rotate(token, context=NUMBER)

    def cvv(self, number: str, expiry: Expiry) -> str:
        """The card's three-digit CVV, derived from number and expiry under the bank's key.

        The HMAC's 256 bits reduced modulo 1000: the bias is below 2**-246, nothing.
        """
        digest = self._keys.blind_index(
            f"{number}|{expiry.year:04d}-{expiry.month:02d}", context=_CVV
        )
        return f"{int(digest, 16) % 1000:03d}"

    def cvv_matches(self, number: str, expiry: Expiry, cvv: str) -> bool:
        """Whether ``cvv`` is the card's, compared in constant time."""
        return hmac.compare_digest(self.cvv(number, expiry).encode(), cvv.encode())

    def pin_digest(self, card_id: UUID, pin: str) -> str:
        """What argon2 hashes for a PIN: a keyed HMAC of card and PIN (a pepper)."""
        return self._keys.blind_index(f"{card_id}|{pin}", context=_PIN)

    def request_fingerprint(self, fields: dict[str, object]) -> str:
        """A keyed digest of a request that may hold card data, for idempotency checks:
        equal requests give equal digests, and the digest reveals none of the fields."""
        body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
        return self._keys.blind_index(body, context=_REQUEST)


def new_reveal_token() -> tuple[str, str]:
    """A fresh single-use reveal token and the hash of it that is stored."""
    token = secrets.token_urlsafe(32)
    return token, reveal_token_hash(token)


def reveal_token_hash(token: str) -> str:
    """SHA-256 is enough: the token has 256 bits of entropy (as API keys do)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
