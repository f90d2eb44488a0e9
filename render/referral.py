"""The referral card: a program's text and a QR code of its deep link."""

from __future__ import annotations

from render.documents import ReferralCard
from render.errors import InvalidDocument
from render.fonts import Weight
from render.locales import label
from render.output import Rendered, check_width, png
from render.qr import qr_image
from render.sheet import Sheet

REFERRAL_WIDTH = 1080
BAND = (49, 46, 129)
GREY = (100, 116, 139)
MAX_LINK = 1024


def referral_image(card: ReferralCard, *, width: int = REFERRAL_WIDTH) -> Rendered:
    """The card as a square PNG for sharing."""
    return png(referral_sheet(card, width=width).image, "invite.png")


def referral_sheet(card: ReferralCard, *, width: int = REFERRAL_WIDTH) -> Sheet:
    """The card's canvas, with what was drawn on it (for tests)."""
    if not card.link.startswith(("https://", "http://", "tg://", "viber://")):
        raise InvalidDocument("a deep link is a URL", field="link")
    if len(card.link) > MAX_LINK:
        raise InvalidDocument("a deep link of at most 1024 characters", field="link")
    width = check_width(width)
    unit = width / REFERRAL_WIDTH
    qr_size = round(500 * unit)
    sheet = Sheet.blank(width, round(width * 1.25))
    language = card.language
    sheet.draw.rectangle((0, 0, width, 300 * unit), fill=BAND)
    white = (255, 255, 255)
    sheet.text((60 * unit, 44 * unit), "Teller", round(40 * unit), weight=Weight.BOLD, fill=white)
    sheet.paragraph(
        (60 * unit, 120 * unit),
        card.title,
        round(52 * unit),
        max_width=width - 120 * unit,
        max_lines=2,
        weight=Weight.BOLD,
        fill=white,
        leading=1.15,
    )
    sheet.paragraph(
        (60 * unit, 340 * unit),
        card.text,
        round(34 * unit),
        max_width=width - 120 * unit,
        max_lines=4,
    )
    top = 560 * unit
    code = qr_image(card.link, qr_size)
    sheet.image.paste(code, (round((width - code.width) / 2), round(top)))
    below = top + code.height + 20 * unit
    sheet.text(
        (width / 2, below),
        label(language, "referral.scan"),
        round(32 * unit),
        weight=Weight.SEMIBOLD,
        anchor="ma",
        max_width=width - 120 * unit,
    )
    if card.code:
        code_text = label(language, "referral.code", code=card.code)
        sheet.text(
            (width / 2, below + 50 * unit),
            code_text,
            round(30 * unit),
            fill=GREY,
            anchor="ma",
            max_width=width - 120 * unit,
        )
    return sheet
