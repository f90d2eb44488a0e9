"""``BankAPI``'s receipts part: sealing what a receipt shows, and checking a seal.

A receipt picture's QR code carries a link with the sealed code; whoever scans it asks
the bank (``GET /api/v1/receipts/verify``) whether the receipt is genuine. Protocol and
types only; ``LocalReceipts`` and ``HttpReceipts`` are the mixins of the two banks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ReceiptKind(StrEnum):
    PAYMENT = "payment"
    TRANSFER = "transfer"
    TOPUP = "topup"
    EXCHANGE = "exchange"


@dataclass(frozen=True, slots=True)
class ReceiptFacts:
    """What a sealed receipt vouches for: the operation's reference, kind, amount (minor
    units) and time."""

    reference: str
    kind: ReceiptKind
    amount_minor: int
    currency: str
    at: datetime


class ReceiptsAPI(Protocol):
    async def seal_receipt(self, facts: ReceiptFacts) -> str:
        """The code for the receipt's QR code; the same facts give the same code. Facts
        that cannot be true (no reference, a non-positive amount, a naive time) raise
        ``InvalidRequest``."""
        ...

    async def verify_receipt(self, code: str) -> ReceiptFacts:
        """What ``code`` vouches for; a code the bank did not seal, or an altered one,
        raises ``InvalidRequest`` with code ``RECEIPT_NOT_GENUINE``."""
        ...
