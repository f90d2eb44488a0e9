"""Sample documents the render tests share. (No tests here.)"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from render.documents import BankDetails, CardFace, Receipt, ReceiptKind, ReferralCard
from render.formatting import Money

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HOLDERS = {
    "en": "Jane Doe",
    "cs": "Ivana Procházková",
    "ru": "Иван Петров",
    "uk": "Олександр Шевченко",
}


def face(language: str = "en", **changes: object) -> CardFace:
    fields: dict[str, object] = {
        "tier": "digital",
        "holder": HOLDERS.get(language, "Jane Doe"),
        "last4": "4242",
        "expiry_month": 3,
        "expiry_year": 2029,
        "language": language,
    }
    fields.update(changes)
    return CardFace(**fields)  # type: ignore[arg-type]


def transfer(language: str = "en", **changes: object) -> Receipt:
    fields: dict[str, object] = {
        "kind": ReceiptKind.TRANSFER,
        "amount": Money(5_000, "EUR"),
        "reference": "TR-2026-000123",
        "at": AT,
        "verification": "https://teller.example/receipts/verify?code=TR-2026-000123.5f0c2a",
        "fee": Money(50, "EUR"),
        "payer": "Jane D. •• 1234",
        "payee": "Ivan P. •• 4242",
        "language": language,
        "timezone": "Europe/Prague",
    }
    fields.update(changes)
    return Receipt(**fields)  # type: ignore[arg-type]


def exchange(language: str = "en") -> Receipt:
    return transfer(
        language,
        kind=ReceiptKind.EXCHANGE,
        amount=Money(10_000, "EUR"),
        bought=Money(251_230, "CZK"),
        rate=Decimal("25.123"),
        fee=None,
        payer=None,
        payee=None,
        reference="FX-77",
    )


def details(language: str = "en", **changes: object) -> BankDetails:
    fields: dict[str, object] = {
        "holder": HOLDERS.get(language, "Jane Doe"),
        "iban": "CZ65 0800 0000 1920 0014 5399",
        "bic": "GIBACZPX",
        "bank_name": "Teller Bank",
        "language": language,
    }
    fields.update(changes)
    return BankDetails(**fields)  # type: ignore[arg-type]


def invite(language: str = "en", **changes: object) -> ReferralCard:
    fields: dict[str, object] = {
        "title": "Invite a friend, you both get 10 EUR",
        "text": "Send the link; once your friend's identity is verified we pay you both.",
        "link": "https://t.me/TellerBankBot?start=ref-TELL7Q2K9X",
        "code": "TELL7Q2K9X",
        "language": language,
    }
    fields.update(changes)
    return ReferralCard(**fields)  # type: ignore[arg-type]
