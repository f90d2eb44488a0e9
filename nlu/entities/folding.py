"""A same-length, lower-case, accent-free copy of the text to match rules against.

Customers write "vcera" as often as "včera" and "KC" as often as "Kč". Matching against a
folded copy lets one pattern cover every spelling, and because folding maps each character
to exactly one character, a match's offsets are also offsets into what the customer typed.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Cyrillic letters keep their marks: й/и, ї/і and є/е are different letters there, not
# accented ones. Only ё is folded, because Russian writers drop its dots at will.
_LATIN_END = 0x250
_SPECIAL = {
    "ё": "е",
    "’": "'",
    "ʼ": "'",
    "`": "'",
    "–": "-",
    "—": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    lower = char.lower()
    if len(lower) != 1:
        # "İ".lower() is two characters; keeping offsets matters more than the dot.
        lower = char
    if lower in _SPECIAL:
        return _SPECIAL[lower]
    if ord(lower) < _LATIN_END and not lower.isascii():
        base = unicodedata.normalize("NFD", lower)[0]
        if base.isascii():
            return base
    return lower


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents from Latin letters, keeping its length."""
    return "".join(_fold_char(char) for char in text)
