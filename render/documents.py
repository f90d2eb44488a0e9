"""What the image service draws: plain values, no bank objects.

Callers (flows, the back-office) fill these from what the bank told them. Nothing here
can carry a CVV; a card's full number is accepted only by the reveal picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from render.formatting import Money


@dataclass(frozen=True, slots=True)
class CardFace:
    """A card as its owner sees it in chat."""

    tier: str  # the design: digital, standard, premium; unknown tiers get the default
    holder: str
    last4: str
    expiry_month: int
    expiry_year: int
    language: str = "en"
    virtual: bool = True


@dataclass(frozen=True, slots=True)
class StatementLine:
    booked_at: datetime
    description: str
    amount: Money  # signed: credits positive, debits negative


@dataclass(frozen=True, slots=True)
class Statement:
    holder: str
    account: str  # an IBAN or a masked account number
    period_start: date
    period_end: date
    opening: Money
    closing: Money
    lines: tuple[StatementLine, ...]
    language: str = "en"
    timezone: str = "UTC"
    generated_at: datetime | None = None


class ReceiptKind(StrEnum):
    PAYMENT = "payment"
    TRANSFER = "transfer"
    TOPUP = "topup"
    EXCHANGE = "exchange"


@dataclass(frozen=True, slots=True)
class Receipt:
    """A finished operation. Parties are already masked by the caller ("Ivan P.",
    "•• 4242"); ``verification`` is what the QR code carries — a link with the bank's
    signed reference that proves the receipt genuine."""

    kind: ReceiptKind
    amount: Money
    reference: str
    at: datetime
    verification: str
    fee: Money | None = None
    payer: str | None = None
    payee: str | None = None
    bought: Money | None = None  # an exchange: what the customer got for ``amount``
    rate: Decimal | None = None
    provider_reference: str | None = None
    language: str = "en"
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class BankDetails:
    holder: str
    iban: str
    bic: str
    bank_name: str
    language: str = "en"
    amount: Money | None = None  # a request for an amount, in EUR, goes into the QR code
    message: str = ""


@dataclass(frozen=True, slots=True)
class ReferralCard:
    title: str
    text: str  # the program's description in the customer's language
    link: str  # the deep link the QR code opens
    code: str | None = None
    language: str = "en"
