"""The bank details card: holder, IBAN, BIC and an EPC QR code banking apps scan."""

from __future__ import annotations

from render.documents import BankDetails
from render.epc import epc_payload, grouped_iban
from render.fonts import Weight
from render.locales import label
from render.output import Rendered, check_width, png
from render.qr import qr_image
from render.sheet import Sheet

DETAILS_WIDTH = 1080
BAND = (15, 118, 110)
GREY = (100, 116, 139)


def bank_details_image(details: BankDetails, *, width: int = DETAILS_WIDTH) -> Rendered:
    """The details as a phone-width PNG."""
    return png(bank_details_sheet(details, width=width).image, "bank-details.png")


def bank_details_sheet(details: BankDetails, *, width: int = DETAILS_WIDTH) -> Sheet:
    """The details' canvas, with what was drawn on it (for tests)."""
    payload = epc_payload(
        name=details.holder,
        iban=details.iban,
        bic=details.bic,
        amount=details.amount,
        message=details.message,
    )
    width = check_width(width)
    unit = width / DETAILS_WIDTH
    qr_size = round(460 * unit)
    sheet = Sheet.blank(width, round(1000 * unit) + qr_size)
    language = details.language
    sheet.draw.rectangle((0, 0, width, 200 * unit), fill=BAND)
    white = (255, 255, 255)
    sheet.text((60 * unit, 48 * unit), "Teller", round(44 * unit), weight=Weight.BOLD, fill=white)
    title = label(language, "details.title")
    sheet.text(
        (60 * unit, 112 * unit), title, round(40 * unit), weight=Weight.SEMIBOLD, fill=white
    )
    fields = [
        ("details.holder", " ".join(details.holder.split())),
        ("details.iban", grouped_iban(details.iban)),
        ("details.bic", details.bic.strip().upper()),
        ("details.bank", details.bank_name),
    ]
    y = 250 * unit
    for key, value in fields:
        sheet.text((60 * unit, y), label(language, key), round(28 * unit), fill=GREY)
        sheet.text(
            (60 * unit, y + 40 * unit),
            value,
            round(44 * unit),
            weight=Weight.SEMIBOLD,
            max_width=width - 120 * unit,
        )
        y += 150 * unit
    code = qr_image(payload, qr_size)
    sheet.image.paste(code, (round((width - code.width) / 2), round(y + 10 * unit)))
    caption = label(language, "details.scan")
    sheet.text(
        (width / 2, y + code.height + 30 * unit),
        caption,
        round(28 * unit),
        fill=GREY,
        anchor="ma",
        max_width=width - 120 * unit,
    )
    return sheet
