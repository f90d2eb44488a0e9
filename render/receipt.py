"""Receipts for payments, transfers, top-ups and exchanges, with a QR code that lets
anyone check the receipt with the bank."""

from __future__ import annotations

from render.documents import Receipt, ReceiptKind
from render.errors import InvalidDocument
from render.fonts import Weight
from render.formatting import Money, moment, money, rate
from render.locales import label
from render.output import Rendered, check_width, png
from render.qr import qr_image
from render.sheet import Sheet

RECEIPT_WIDTH = 1080
BAND = (15, 118, 110)
GREY = (100, 116, 139)
RULE = (226, 232, 240)
# A verification link longer than this makes a QR code too dense to scan from a screen.
MAX_VERIFICATION = 512


def receipt_image(receipt: Receipt, *, width: int = RECEIPT_WIDTH) -> Rendered:
    """The receipt as a phone-width PNG."""
    sheet = receipt_sheet(receipt, width=width)
    return png(sheet.image, f"receipt-{_safe(receipt.reference)}.png")


def receipt_sheet(receipt: Receipt, *, width: int = RECEIPT_WIDTH) -> Sheet:
    """The receipt's canvas, with what was drawn on it (for tests)."""
    _check(receipt)
    width = check_width(width)
    unit = width / RECEIPT_WIDTH
    rows = _rows(receipt)
    qr_size = round(380 * unit)
    height = round((460 + 96 * len(rows) + 80) * unit) + qr_size + round(140 * unit)
    sheet = Sheet.blank(width, height)
    _header(sheet, receipt, unit)
    y = 460 * unit
    for name, value in rows:
        _row(sheet, y, name, value, unit)
        y += 96 * unit
    y += 40 * unit
    code = qr_image(receipt.verification, qr_size)
    sheet.image.paste(code, (round((width - code.width) / 2), round(y)))
    caption = label(receipt.language, "receipt.verify")
    sheet.text(
        (width / 2, y + code.width + 24 * unit),
        caption,
        round(28 * unit),
        fill=GREY,
        anchor="ma",
        max_width=width - 120 * unit,
    )
    return sheet


def _check(receipt: Receipt) -> None:
    if not receipt.reference.strip():
        raise InvalidDocument("a receipt carries its reference", field="reference")
    if not 0 < len(receipt.verification) <= MAX_VERIFICATION:
        raise InvalidDocument("a verification link of 1 to 512 characters", field="verification")
    if receipt.kind is ReceiptKind.EXCHANGE and (receipt.bought is None or receipt.rate is None):
        raise InvalidDocument("an exchange receipt shows what was bought and at which rate")
    if receipt.fee is not None and receipt.fee.minor < 0:
        raise InvalidDocument("a fee is never negative", field="fee")


def _header(sheet: Sheet, receipt: Receipt, unit: float) -> None:
    width = sheet.image.width
    sheet.draw.rectangle((0, 0, width, 200 * unit), fill=BAND)
    white = (255, 255, 255)
    sheet.text((60 * unit, 48 * unit), "Teller", round(44 * unit), weight=Weight.BOLD, fill=white)
    title = label(receipt.language, f"receipt.{receipt.kind.value}")
    sheet.text(
        (60 * unit, 112 * unit),
        title,
        round(40 * unit),
        weight=Weight.SEMIBOLD,
        fill=white,
        max_width=width - 120 * unit,
    )
    shown = money(receipt.amount, receipt.language)
    if receipt.kind is ReceiptKind.EXCHANGE and receipt.bought is not None:
        shown = f"{shown} → {money(receipt.bought, receipt.language)}"
    sheet.text(
        (width / 2, 250 * unit),
        shown,
        round(76 * unit),
        weight=Weight.BOLD,
        anchor="ma",
        max_width=width - 120 * unit,
    )
    when = moment(receipt.at, receipt.timezone, receipt.language)
    sheet.text((width / 2, 360 * unit), when, round(30 * unit), fill=GREY, anchor="ma")


def _rows(receipt: Receipt) -> list[tuple[str, str]]:
    """The label and value of each line, in the order a customer reads them."""
    language = receipt.language

    def said(key: str) -> str:
        return label(language, f"receipt.{key}")

    rows: list[tuple[str, str]] = []
    if receipt.payer:
        rows.append((said("from"), receipt.payer))
    if receipt.payee:
        rows.append((said("to"), receipt.payee))
    if (
        receipt.kind is ReceiptKind.EXCHANGE
        and receipt.bought is not None
        and receipt.rate is not None
    ):
        rows.append((said("sold"), money(receipt.amount, language)))
        rows.append((said("bought"), money(receipt.bought, language)))
        sold, bought = receipt.amount.currency, receipt.bought.currency
        one = f"1 {sold} = {rate(receipt.rate, language)} {bought}"
        rows.append((said("rate"), one))
    else:
        rows.append((said("amount"), money(receipt.amount, language)))
    fee = receipt.fee
    rows.append((said("fee"), money(fee, language) if fee and fee.minor else said("no_fee")))
    if fee and fee.minor and _same_currency(fee, receipt.amount):
        rows.append((said("total"), money(receipt.amount + fee, language)))
    rows.append((said("reference"), receipt.reference))
    if receipt.provider_reference:
        rows.append((said("provider_reference"), receipt.provider_reference))
    return rows


def _same_currency(a: Money, b: Money) -> bool:
    return (a.currency, a.exponent) == (b.currency, b.exponent)


def _row(sheet: Sheet, y: float, name: str, value: str, unit: float) -> None:
    width = sheet.image.width
    left = 60 * unit
    used = sheet.text((left, y), name, round(30 * unit), fill=GREY, max_width=380 * unit)
    room = width - 2 * left - used - 40 * unit
    sheet.text(
        (width - left, y - 2 * unit),
        value,
        round(34 * unit),
        weight=Weight.SEMIBOLD,
        anchor="ra",
        max_width=room,
    )
    sheet.draw.line(
        (left, y + 66 * unit, width - left, y + 66 * unit),
        fill=RULE,
        width=max(1, round(2 * unit)),
    )


def _safe(reference: str) -> str:
    """A reference as a file name: letters, digits and dashes only."""
    kept = "".join(c if c.isalnum() or c in "-_" else "-" for c in reference.strip())
    return kept[:64] or "receipt"
