"""Marks we draw ourselves: Teller's brand, the chip, the contactless waves.

No network's logo is used; every shape here is ours.
"""

from __future__ import annotations

from PIL import ImageDraw

from render.sheet import Colour


def brand(
    draw: ImageDraw.ImageDraw, x: float, y: float, size: float, ink: Colour, accent: Colour
) -> None:
    """Teller's mark: two overlapping rounded squares, tilted like cards in a wallet."""
    radius = size * 0.22
    draw.rounded_rectangle((x, y, x + size, y + size), radius, fill=accent)
    offset = size * 0.45
    draw.rounded_rectangle(
        (x + offset, y + offset * 0.5, x + offset + size, y + offset * 0.5 + size),
        radius,
        outline=ink,
        width=max(2, round(size * 0.1)),
    )


def chip(draw: ImageDraw.ImageDraw, x: float, y: float, width: float) -> None:
    """An EMV chip: a gold rounded rectangle with its contact lines."""
    height = width * 0.75
    gold, line = (230, 196, 120), (176, 137, 64)
    draw.rounded_rectangle((x, y, x + width, y + height), width * 0.16, fill=gold)
    stroke = max(1, round(width / 40))
    for fraction in (1 / 3, 2 / 3):
        draw.line((x, y + height * fraction, x + width, y + height * fraction), line, stroke)
    draw.line((x + width / 2, y, x + width / 2, y + height), line, stroke)
    inner = (x + width * 0.3, y + height * 0.25, x + width * 0.7, y + height * 0.75)
    draw.rounded_rectangle(inner, width * 0.08, fill=gold, outline=line, width=stroke)


def contactless(draw: ImageDraw.ImageDraw, x: float, y: float, size: float, ink: Colour) -> None:
    """Four widening arcs, the symbol for tap-to-pay."""
    stroke = max(2, round(size / 12))
    for step in range(4):
        radius = size * (0.25 + step * 0.22)
        box = (x - radius, y + size / 2 - radius, x + radius, y + size / 2 + radius)
        draw.arc(box, -40, 40, fill=ink, width=stroke)
