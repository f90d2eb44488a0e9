"""Comparing names across scripts and spellings: normalization and edit distance.

Names are compared as a machine-readable zone writes them (ICAO Doc 9303 part 3): upper
case Latin letters, diacritics dropped, Cyrillic transliterated, anything else a space.
The distance is Levenshtein's (insertions, deletions, substitutions, each costing one).
"""

from __future__ import annotations

import unicodedata

# ICAO Doc 9303 part 3, table for Cyrillic (Russian and Ukrainian letters).
_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Д": "D", "Е": "E", "Ё": "E",
    "Є": "IE", "Ж": "ZH", "З": "Z", "И": "I", "І": "I", "Ї": "I", "Й": "I", "К": "K",
    "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T",
    "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHCH",
    "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
}  # fmt: skip
# Latin letters that do not decompose into a base letter and a mark (9303 part 3).
_LATIN = {"ß": "SS", "Æ": "AE", "Ø": "OE", "Œ": "OE", "Þ": "TH", "Đ": "D", "Ł": "L", "Ħ": "H"}


def mrz_form(name: str) -> str:
    """``name`` as a machine-readable zone spells it, words separated by one space."""
    letters: list[str] = []
    for char in name.upper():
        if char in _CYRILLIC:
            letters.append(_CYRILLIC[char])
        elif char in _LATIN:
            letters.append(_LATIN[char])
        else:
            base = unicodedata.normalize("NFKD", char)[0]
            letters.append(base if "A" <= base <= "Z" else " ")
    return " ".join("".join(letters).split())


def levenshtein(a: str, b: str) -> int:
    """The least number of single-character edits turning ``a`` into ``b``."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(
                min(
                    previous[j] + 1,  # delete from a
                    current[j - 1] + 1,  # insert into a
                    previous[j - 1] + (char_a != char_b),  # substitute
                )
            )
        previous = current
    return previous[-1]


def name_distance(declared: str, other: str) -> int:
    """The distance between two full names in MRZ form, in whichever word order is closer
    (people write "given surname", documents and some forms "surname given")."""
    a, b = mrz_form(declared), mrz_form(other)
    words = b.split()
    candidates = {b, " ".join(words[1:] + words[:1]), " ".join(words[-1:] + words[:-1])}
    return min(levenshtein(a, candidate) for candidate in candidates)


def similarity(distance: int, a: str, b: str) -> int:
    """A 0–100 score from a distance: 100 identical, 0 nothing in common."""
    longest = max(len(mrz_form(a)), len(mrz_form(b)), 1)
    return max(0, round(100 * (1 - distance / longest)))
