"""``teller render samples``: every picture Teller sends, in every language, as files.

For the people who review designs and translations: one command writes cards, statement
pages and PDFs, receipts of each kind, bank details and referral cards for English,
Czech, Russian and Ukrainian into a folder, from fixed sample data (no bank needed).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from render.bank_details import bank_details_image
from render.card import card_image
from render.documents import (
    BankDetails,
    CardFace,
    Receipt,
    ReceiptKind,
    ReferralCard,
    Statement,
    StatementLine,
)
from render.formatting import Money
from render.locales import LANGUAGES
from render.output import Rendered
from render.receipt import receipt_image
from render.referral import referral_image
from render.statement_pdf import statement_pdf
from render.statement_png import statement_pages

# Sample people and shops per language: demo data, like ``teller demo seed``'s.
SAMPLES = {
    "en": (
        "Jane Doe",
        "Coffee at Monmouth",
        "Invite a friend, you both get €10",
        "Share your link. Once your friend's identity is verified, we pay you both.",
    ),
    "cs": (
        "Ivana Procházková",
        "Kavárna Slavia",
        "Pozvěte přítele, oba dostanete 250 Kč",
        "Pošlete odkaz. Jakmile si přítel ověří totožnost, připíšeme bonus vám oběma.",
    ),
    "ru": (
        "Иван Петров",
        "Кофейня «Зерно»",
        "Пригласите друга — бонус получите оба",
        "Отправьте ссылку. Когда друг подтвердит личность, мы начислим бонус вам обоим.",
    ),
    "uk": (
        "Олександр Шевченко",
        "Кав'ярня «Львівська ґалерея»",
        "Запросіть друга — бонус отримаєте обоє",
        "Надішліть посилання. Щойно друг підтвердить особу, ми нарахуємо бонус вам обом.",
    ),
}
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
VERIFY = "https://teller.example/api/v1/receipts/verify?code=sample"


def write_samples(folder: Path) -> list[Path]:
    """Draw every sample into ``folder``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for language in LANGUAGES:
        for name, picture in _pictures(language):
            path = folder / f"{name}_{language}.{picture.filename.rsplit('.', 1)[-1]}"
            path.write_bytes(picture.content)
            written.append(path)
    return written


def _pictures(language: str) -> list[tuple[str, Rendered]]:
    holder, shop, title, text = SAMPLES[language]
    made = [
        ("card", card_image(CardFace("digital", holder, "4242", 3, 2029, language))),
        ("card_premium", card_image(CardFace("premium", holder, "1881", 11, 2030, language))),
        (
            "details",
            bank_details_image(
                BankDetails(holder, "CZ6508000000192000145399", "GIBACZPX", "Teller", language)
            ),
        ),
        (
            "referral",
            referral_image(
                ReferralCard(
                    title,
                    text,
                    "https://t.me/TellerBankBot?start=ref-TELL7Q2K9X",
                    "TELL7Q2K9X",
                    language,
                )
            ),
        ),
        ("statement", statement_pdf(_statement(holder, shop, language))),
    ]
    for number, page in enumerate(statement_pages(_statement(holder, shop, language)), 1):
        made.append((f"statement_p{number}", page))
    for kind in ReceiptKind:
        made.append((f"receipt_{kind.value}", receipt_image(_receipt(kind, holder, language))))
    return made


def _statement(holder: str, shop: str, language: str) -> Statement:
    lines = tuple(
        StatementLine(
            AT + timedelta(hours=20 * n), f"{shop} #{n + 1}", Money(-380 - 15 * n, "EUR")
        )
        for n in range(24)
    )
    spent = sum(line.amount.minor for line in lines)
    return Statement(
        holder,
        "CZ65 0800 0000 1920 0014 5399",
        date(2026, 3, 1),
        date(2026, 3, 31),
        Money(250_000, "EUR"),
        Money(250_000 + spent, "EUR"),
        lines,
        language,
        "Europe/Prague",
        datetime(2026, 4, 1, 6, tzinfo=UTC),
    )


def _receipt(kind: ReceiptKind, holder: str, language: str) -> Receipt:
    first, _, last = holder.partition(" ")
    if kind is ReceiptKind.EXCHANGE:
        return Receipt(
            kind,
            Money(10_000, "EUR"),
            "FX-2026-0042",
            AT,
            VERIFY,
            bought=Money(251_230, "CZK"),
            rate=Decimal("25.123"),
            language=language,
            timezone="Europe/Prague",
        )
    return Receipt(
        kind,
        Money(5_000, "EUR"),
        "TR-2026-000123",
        AT,
        VERIFY,
        fee=Money(50, "EUR"),
        payer=f"{first} {last[:1]}. •• 1234",
        payee="•• 4242",
        provider_reference="PE-99812" if kind is ReceiptKind.PAYMENT else None,
        language=language,
        timezone="Europe/Prague",
    )
