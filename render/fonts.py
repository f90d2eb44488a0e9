"""The fonts every picture and document is drawn with, shipped from PyPI.

Source Sans Pro (SIL Open Font License) covers Latin with Czech diacritics, Cyrillic with
Ukrainian letters, and the currency signs our locales print (€, ₴, ₽, Kč). It comes from
the ``font-source-sans-pro`` package, pinned in the lock file, so that nothing depends on
the fonts a machine happens to have.
"""

from __future__ import annotations

import importlib.resources
from enum import StrEnum
from functools import cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase.ttfonts import TTFontFile

_PACKAGE = "font_source_sans_pro"


class Weight(StrEnum):
    REGULAR = "Regular"
    SEMIBOLD = "Semibold"
    BOLD = "Bold"


@cache
def font_path(weight: Weight) -> Path:
    """The TrueType file of ``weight``."""
    path = importlib.resources.files(_PACKAGE) / "files" / f"SourceSansPro-{weight.value}.ttf"
    return Path(str(path))


@cache
def font(weight: Weight, size: int) -> ImageFont.FreeTypeFont:
    """A loaded font; loading parses the file, so each (weight, size) is loaded once."""
    return ImageFont.truetype(str(font_path(weight)), size)


@cache
def coverage(weight: Weight) -> frozenset[int]:
    """The code points ``weight`` has a glyph for."""
    return frozenset(TTFontFile(str(font_path(weight))).charToGlyph)


# What we draw instead of a character the font lacks (an emoji in a name, say): a
# question mark reads as "unknown" where the font's empty box would look broken.
REPLACEMENT = "?"


def drawable(text: str, weight: Weight = Weight.REGULAR) -> str:
    """``text`` with control characters dropped and characters the font lacks replaced."""
    glyphs = coverage(weight)
    out = []
    for char in text:
        if char in "\r\n\t":
            out.append(" ")
        elif not char.isprintable() and char not in "\u00a0\u202f":
            continue
        else:
            out.append(char if ord(char) in glyphs or char == " " else REPLACEMENT)
    return "".join(out)
