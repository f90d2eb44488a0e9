"""Finding characters a picture drew as the font's empty box (.notdef).

Pillow draws a character the font lacks as .notdef without complaint, so each character
is drawn alone and its mask compared with the mask of a code point no font of ours has.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from PIL import Image, ImageDraw

from render.fonts import Weight, font

SIZE = 40
ABSENT = chr(0xE000)  # private use: no glyph in Source Sans Pro, so it draws .notdef


def missing_glyphs(strings: Iterable[str]) -> set[str]:
    """The characters of ``strings`` that some weight of our font draws as .notdef."""
    characters = {char for text in strings for char in text}
    return {
        char for char in characters for weight in Weight if _mask(char, weight) == _notdef(weight)
    }


@cache
def _notdef(weight: Weight) -> bytes:
    return _mask(ABSENT, weight)


@cache
def _mask(char: str, weight: Weight) -> bytes:
    image = Image.new("L", (3 * SIZE, 2 * SIZE), 0)
    ImageDraw.Draw(image).text((SIZE // 2, SIZE // 2), char, font=font(weight, SIZE), fill=255)
    return image.tobytes()
