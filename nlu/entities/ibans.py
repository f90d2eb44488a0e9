"""IBANs (ISO 13616): country, check digits and account, with or without spaces."""

from __future__ import annotations

import re

from nlu.entities.candidates import RULES, Candidate, Rank, blocked
from nlu.result import Entity

# Length of the whole IBAN per country, from the SWIFT IBAN registry.
_REGISTRY = """
    ad24 ae23 al28 at20 az28 ba20 be16 bg22 bh22 bi27 br29 by28 ch21 cr22 cy28 cz24 de22
    dj27 dk18 do28 ee20 eg29 es24 fi18 fk18 fo18 fr27 gb22 ge22 gi23 gl18 gr27 gt28 hr21
    hu28 ie22 il23 iq23 is26 it27 jo30 kw30 kz20 lb28 lc32 li21 lt20 lu20 lv21 ly25 mc27
    md24 me22 mk19 mn20 mr27 mt31 mu30 ni28 nl18 no15 om23 pk24 pl28 ps29 pt25 qa29 ro24
    rs22 ru33 sa24 sc31 sd18 se24 si19 sk24 sm27 so23 st25 sv28 tl23 tn24 tr26 ua29 va22
    vg24 xk20 ye30
"""
_LENGTHS = {item[:2].upper(): int(item[2:]) for item in _REGISTRY.split()}
# Where an IBAN could begin: a country code and check digits at the start of a word.
_MIN_LENGTH = 15  # the shortest IBAN (Norway)
_START = re.compile(r"(?<![a-z0-9])([a-z]{2})[0-9]{2}")


def mod97_valid(iban: str) -> bool:
    """The ISO 7064 MOD 97-10 check over a compact, upper-case IBAN."""
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    return int(digits) % 97 == 1


def find(folded: str, text: str) -> list[Candidate]:
    """Valid IBANs, and IBAN-shaped text failing the check (as blocked spans)."""
    found: list[Candidate] = []
    position = 0
    while match := _START.search(folded, position):
        start = match.start()
        length = _LENGTHS.get(match.group(1).upper())
        end, count = _walk(folded, start, length or 0)
        position = start + 1
        if length is None or count < _MIN_LENGTH:
            continue
        compact = re.sub(r"\s", "", text[start:end]).upper()
        if count == length and mod97_valid(compact):
            found.append(Candidate(Entity("iban", compact, start, end, RULES), Rank.IBAN))
        else:
            # A mistyped IBAN: its digits are not an amount or a phone number either.
            found.append(blocked(start, end, Rank.IBAN))
        position = end
    return found


def _walk(folded: str, start: int, length: int) -> tuple[int, int]:
    """Where the letters and digits from ``start`` end, across single spaces, and how many
    there are; counting stops at ``length`` unless the word goes on without a break."""
    count = 0
    index = start
    while index < len(folded):
        char = folded[index]
        if _is_iban_char(char):
            count += 1
        elif char != " " or count >= length or not _next_is_iban_char(folded, index):
            break
        index += 1
    return index, count


def _next_is_iban_char(folded: str, index: int) -> bool:
    return index + 1 < len(folded) and _is_iban_char(folded[index + 1])


def _is_iban_char(char: str) -> bool:
    return char.isascii() and char.isalnum()
