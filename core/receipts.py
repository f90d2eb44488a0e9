"""Sealed receipts: a code the bank signs, which a receipt's QR code carries.

Anyone holding a receipt (a shop, a landlord, the customer's accountant) scans its QR
code and asks the bank whether it is genuine. The code carries the facts it vouches for —
reference, kind, amount, currency, time — and an HMAC over them made with a key derived
from the keyring's index key under its own context, so it cannot be forged or altered
without the bank's keys, and the bank need not store anything to check it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from core.crypto import Keyring
from core.errors import CoreError, ValidationFailed
from core.money import Currency

KINDS = ("payment", "transfer", "topup", "exchange")
_CONTEXT = "receipt-seal"
_MAC_HEX = 32  # 128 bits of HMAC-SHA256: forging is out of reach, and the QR stays small
MAX_CODE = 400


class ReceiptForged(CoreError):
    """The code was not sealed by this bank, or was changed after it was."""

    code = "RECEIPT_NOT_GENUINE"
    http_status = 422
    default_message = "This receipt was not issued by Teller or has been altered."


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    """What a sealed receipt vouches for."""

    reference: str
    kind: str
    amount: int  # minor units
    currency: str
    at: datetime

    def check(self) -> ReceiptFacts:
        if self.kind not in KINDS:
            raise ValidationFailed(
                "a receipt is for a payment, transfer, top-up or exchange", field="kind"
            )
        if not (0 < len(self.reference) <= 80 and self.reference.isprintable()):
            raise ValidationFailed(
                "a reference of 1 to 80 printable characters", field="reference"
            )
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValidationFailed("an amount is a positive number of minor units", field="amount")
        if self.at.tzinfo is None:
            raise ValidationFailed("a receipt's time carries its time zone", field="at")
        Currency.of(self.currency)
        return self


class ReceiptSeal:
    """Seals receipt facts into a code and opens codes it sealed."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    def seal(self, facts: ReceiptFacts) -> str:
        """``<facts, base64url>.<mac>``: short enough for a QR code on a phone screen."""
        facts.check()
        body = {
            "r": facts.reference,
            "k": facts.kind,
            "a": facts.amount,
            "c": facts.currency,
            "t": facts.at.isoformat(),
        }
        text = json.dumps(body, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        payload = base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")
        return f"{payload}.{self._mac(payload)}"

    def open(self, code: str) -> ReceiptFacts:
        """The facts ``code`` vouches for; ``ReceiptForged`` when it was not sealed here."""
        if not isinstance(code, str) or len(code) > MAX_CODE or code.count(".") != 1:
            raise ReceiptForged()
        payload, mac = code.split(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise ReceiptForged()
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            body = json.loads(raw)
            facts = ReceiptFacts(
                body["r"], body["k"], body["a"], body["c"], datetime.fromisoformat(body["t"])
            )
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise ReceiptForged() from exc
        return facts

    def _mac(self, payload: str) -> str:
        return self._keyring.blind_index(payload, context=_CONTEXT)[:_MAC_HEX]
