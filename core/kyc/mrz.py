"""Machine-readable zones (ICAO Doc 9303): parsing, check digits, and finding one in OCR text.

TD3 is the passport format (two lines of 44 characters, part 4); TD1 the ID card format
(three lines of 30, part 5). Every field of interest carries a check digit, and a composite
digit covers them together: :attr:`Mrz.checks` says which held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

_WEIGHTS = (7, 3, 1)
_ALLOWED = re.compile(r"[A-Z0-9<]+")
# What OCR puts for a digit in a field that can only hold digits, and the reverse.
_AS_DIGIT = str.maketrans("OQDILZSGB", "000112568")
_AS_LETTER = str.maketrans("01258", "OIZSB")
# Nationality codes of 9303 part 3 that are not ISO 3166 alpha-3.
_SPECIAL_NATIONALITY = {"D": "DEU"}


def char_value(char: str) -> int:
    """A character's value in a check digit: digits as such, A–Z 10–35, filler ``<`` 0."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(text: str) -> int:
    """The 9303 check digit of ``text``: weights 7, 3, 1 repeating, modulo 10."""
    return sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(text)) % 10


def _holds(text: str, digit: str, *, blank_ok: bool = False) -> bool:
    if blank_ok and digit == "<" and set(text) <= {"<"}:
        return True
    return digit.isdigit() and check_digit(text) == int(digit)


@dataclass(frozen=True, slots=True)
class Mrz:
    """The fields of a machine-readable zone; ``checks`` holds each check digit's result."""

    format: str  # "TD3" or "TD1"
    document_code: str  # "P", "PP", "I", "ID", "AC"…, without filler
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: date | None  # None when the digits are not a date
    sex: str
    expiry: date | None
    names_truncated: bool  # the name field was full: longer names were cut
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def check_digits_valid(self) -> bool:
        return all(self.checks.values())

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.surname}".strip()

    @property
    def is_passport(self) -> bool:
        return self.document_code.startswith("P")

    @property
    def nationality_alpha3(self) -> str:
        return _SPECIAL_NATIONALITY.get(self.nationality, self.nationality)


def parse_td3(line1: str, line2: str, *, today: date) -> Mrz:
    """Parse a passport's two 44-character lines (ICAO 9303 part 4)."""
    if len(line1) != 44 or len(line2) != 44 or not _ALLOWED.fullmatch(line1 + line2):
        raise ValueError("TD3 lines are two lines of 44 characters A-Z, 0-9 and <")
    number, birth, expiry, optional = line2[0:9], line2[13:19], line2[21:27], line2[28:42]
    surname, given = _names(line1[5:44])
    checks = {
        "document_number": _holds(number, line2[9]),
        "date_of_birth": _holds(birth, line2[19]),
        "expiry": _holds(expiry, line2[27]),
        "optional_data": _holds(optional, line2[42], blank_ok=True),
        "composite": _holds(line2[0:10] + line2[13:20] + line2[21:43], line2[43]),
    }
    return Mrz(
        format="TD3",
        document_code=line1[0:2].strip("<"),
        issuing_state=line1[2:5].strip("<"),
        surname=surname,
        given_names=given,
        document_number=number.strip("<"),
        nationality=line2[10:13].strip("<"),
        date_of_birth=_date(birth, today, past=True),
        sex=line2[20],
        expiry=_date(expiry, today, past=False),
        names_truncated=not line1.endswith("<"),
        checks=checks,
    )


def parse_td1(line1: str, line2: str, line3: str, *, today: date) -> Mrz:
    """Parse an ID card's three 30-character lines (ICAO 9303 part 5)."""
    if any(len(line) != 30 for line in (line1, line2, line3)) or not _ALLOWED.fullmatch(
        line1 + line2 + line3
    ):
        raise ValueError("TD1 lines are three lines of 30 characters A-Z, 0-9 and <")
    number, number_check = line1[5:14], line1[14]
    if number_check == "<":  # a number longer than 9: it goes on in the optional data
        rest = line1[15:30].split("<", 1)[0]
        number, number_check = number + rest[:-1], rest[-1:] or "<"
    birth, expiry = line2[0:6], line2[8:14]
    surname, given = _names(line3)
    checks = {
        "document_number": _holds(number, number_check),
        "date_of_birth": _holds(birth, line2[6]),
        "expiry": _holds(expiry, line2[14]),
        "composite": _holds(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29], line2[29]),
    }
    return Mrz(
        format="TD1",
        document_code=line1[0:2].strip("<"),
        issuing_state=line1[2:5].strip("<"),
        surname=surname,
        given_names=given,
        document_number=number.strip("<"),
        nationality=line2[15:18].strip("<"),
        date_of_birth=_date(birth, today, past=True),
        sex=line2[7],
        expiry=_date(expiry, today, past=False),
        names_truncated=not line3.endswith("<"),
        checks=checks,
    )


def find_mrz(text: str, *, today: date) -> Mrz | None:
    """The machine-readable zone in OCR output, or None.

    OCR misreads are repaired where the format leaves no doubt: spaces dropped, ``«``
    taken for ``<<``, letters in digit-only fields read as the digits they resemble (and
    the reverse). What cannot be repaired shows in the check digits.
    """
    # OCR drops runs of filler, so a names line may come out short: it is padded back.
    # The data lines have no long runs of filler to lose and must be about their length.
    lines = [_clean(line) for line in text.splitlines()]
    lines = [line for line in lines if len(line) >= 10]
    for i in range(len(lines) - 1):
        first, second = lines[i], lines[i + 1]
        if (
            first.startswith("P")
            and "<<" in first  # a names line: surname << given names
            and len(first) <= 48
            and 40 <= len(second) <= 48
            and _digit_count(second) >= 10  # dates and check digits: 16 digits in all
        ):
            line1, line2 = _fit(first, 44), _repair_td3(_fit(second, 44))
            return parse_td3(line1, line2, today=today)
    for i in range(len(lines) - 2):
        first, second, third = lines[i : i + 3]
        if (
            first[0] in "IAC"
            and 15 <= len(first) <= 33
            and 27 <= len(second) <= 33
            and _digit_count(second) >= 10
        ):
            line2 = _repair_td1(_fit(second, 30))
            return parse_td1(_fit(first, 30), line2, _fit(third, 30), today=today)
    return None


def _digit_count(line: str) -> int:
    return sum(char.isdigit() for char in line)


def _clean(line: str) -> str:
    line = line.upper().replace("«", "<<").replace(" ", "")
    return re.sub(r"[^A-Z0-9<]", "<", line)


def _fit(line: str, width: int) -> str:
    return line[:width].ljust(width, "<")


def _digits(text: str) -> str:
    return text.translate(_AS_DIGIT)


def _letters(text: str) -> str:
    return text.translate(_AS_LETTER)


def _repair_td3(line: str) -> str:
    return (
        line[0:9]
        + _digits(line[9])
        + _letters(line[10:13])
        + _digits(line[13:20])
        + _letters(line[20])
        + _digits(line[21:28])
        + line[28:42]
        + line[42].translate(_AS_DIGIT)
        + _digits(line[43])
    )


def _repair_td1(line: str) -> str:
    return (
        _digits(line[0:7])
        + _letters(line[7])
        + _digits(line[8:15])
        + _letters(line[15:18])
        + line[18:29]
        + _digits(line[29])
    )


def _names(field_text: str) -> tuple[str, str]:
    surname, _, given = field_text.partition("<<")
    return surname.replace("<", " ").strip(), " ".join(given.replace("<", " ").split())


def _date(digits: str, today: date, *, past: bool) -> date | None:
    """YYMMDD; a birth date takes the latest century not in the future, an expiry 20xx."""
    if not digits.isdigit():
        return None
    yy, mm, dd = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    year = 2000 + yy
    if past and year > today.year:
        year -= 100
    try:
        return date(year, mm, dd)
    except ValueError:
        return None
