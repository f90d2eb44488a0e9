"""The card picture: the tier's design, holder, masked number, expiry, our marks.

There is no CVV on any picture: ``CardFace`` cannot carry one. The full number is drawn
only by ``card_reveal``, for the single-use reveal page, and is never cached.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageChops, ImageOps

from render import marks
from render.designs import CardDesign, design_for
from render.documents import CardFace
from render.errors import InvalidDocument
from render.fonts import Weight
from render.locales import label
from render.output import Rendered, check_width, png
from render.sheet import Sheet

CARD_WIDTH = 1012  # ISO/IEC 7810 ID-1 proportions: 85.60 × 53.98 mm
RATIO = 53.98 / 85.60
MASK = "••••"
# A gradient compresses slowly: level 3 takes two thirds of level 6's time for a third
# more bytes (about 65 kB), well inside every messenger's limit.
_PNG_LEVEL = 3


def card_image(face: CardFace, *, width: int = CARD_WIDTH) -> Rendered:
    """The card as its owner sees it in chat: the last four digits only."""
    _check(face)
    groups = [MASK, MASK, MASK, face.last4]
    sheet = _draw(face, groups, check_width(width))
    return png(sheet.image, f"card-{face.last4}.png", level=_PNG_LEVEL)


def card_reveal(face: CardFace, number: str, *, width: int = CARD_WIDTH) -> Rendered:
    """The card with its full number, for the single-use reveal page only."""
    _check(face)
    digits = "".join(number.split())
    if not (digits.isdigit() and 12 <= len(digits) <= 19) or digits[-4:] != face.last4:
        raise InvalidDocument("the number does not belong to this card")
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    sheet = _draw(face, groups, check_width(width))
    return png(sheet.image, "card.png", level=_PNG_LEVEL)


def card_sheet(face: CardFace, *, width: int = CARD_WIDTH) -> Sheet:
    """The masked card's canvas, with what was drawn on it (for tests)."""
    _check(face)
    return _draw(face, [MASK, MASK, MASK, face.last4], check_width(width))


def _check(face: CardFace) -> None:
    if not (len(face.last4) == 4 and face.last4.isdigit()):
        raise InvalidDocument("a card shows the last four digits", field="last4")
    if not 1 <= face.expiry_month <= 12 or not 2000 <= face.expiry_year <= 2099:
        raise InvalidDocument("an expiry is a month of this century", field="expiry")
    if not face.holder.strip():
        raise InvalidDocument("a card carries its holder's name", field="holder")


def _draw(face: CardFace, groups: list[str], width: int) -> Sheet:
    design = design_for(face.tier)
    sheet = Sheet(_background(design, width).copy())
    unit = width / CARD_WIDTH  # every measure below is for a 1012-pixel card
    ink = design.ink
    sheet.text((60 * unit, 52 * unit), "Teller", round(46 * unit), weight=Weight.BOLD, fill=ink)
    right = width - 60 * unit
    sheet.text(
        (right, 52 * unit),
        design.title,
        round(30 * unit),
        weight=Weight.SEMIBOLD,
        fill=ink,
        anchor="ra",
    )
    if face.virtual:
        tag = label(face.language, "card.virtual")
        sheet.text((right, 92 * unit), tag, round(22 * unit), fill=ink, anchor="ra")
    sheet.text(
        (60 * unit, 360 * unit),
        "  ".join(groups),
        round(62 * unit),
        weight=Weight.SEMIBOLD,
        fill=ink,
        max_width=width - 120 * unit,
    )
    holder = " ".join(face.holder.split()).upper()
    sheet.text(
        (60 * unit, 540 * unit),
        holder,
        round(36 * unit),
        weight=Weight.SEMIBOLD,
        fill=ink,
        max_width=560 * unit,
    )
    expiry = f"{face.expiry_month:02d}/{face.expiry_year % 100:02d}"
    sheet.text(
        (660 * unit, 512 * unit),
        label(face.language, "card.valid_thru"),
        round(18 * unit),
        fill=ink,
        max_width=180 * unit,
    )
    sheet.text(
        (660 * unit, 540 * unit), expiry, round(36 * unit), weight=Weight.SEMIBOLD, fill=ink
    )
    return sheet


@lru_cache(maxsize=32)
def _background(design: CardDesign, width: int) -> Image.Image:
    """The design's gradient with the chip and marks: the same for every card of a tier
    and width, so it is drawn once and copied."""
    height = round(width * RATIO)
    unit = width / CARD_WIDTH
    # ((width - x) / width + y / height) / 2: a diagonal blend, start colour top-right.
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    mask = ImageChops.add(ImageOps.mirror(across), down, scale=2.0)
    image = Image.composite(
        Image.new("RGB", (width, height), design.end),
        Image.new("RGB", (width, height), design.start),
        mask,
    )
    sheet = Sheet(image)
    marks.chip(sheet.draw, 60 * unit, 200 * unit, 110 * unit)
    marks.contactless(sheet.draw, 210 * unit, 212 * unit, 60 * unit, design.ink)
    marks.brand(sheet.draw, width - 190 * unit, 500 * unit, 70 * unit, design.ink, design.accent)
    return sheet.image
