"""The words of a date expression, found in folded text, for the grammar in dates.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from nlu.entities import calendar_words

_B = r"(?<![\w])"  # word start
_E = r"(?![\w])"  # word end
_NUM_START = r"(?<![0-9.,:/])"
_NUM_END = r"(?![0-9])(?![.,/][0-9])"
_YEAR = r"(?:19|20)[0-9]{2}"
_NUMERIC = {
    "iso": rf"{_NUM_START}{_YEAR}-[01]?[0-9]-[0-3]?[0-9]{_NUM_END}",
    # 1.3.2026, 01/03/2026, 1. 3. 2026 (the Czech way), 1.3.26
    "dmy": rf"{_NUM_START}[0-3]?[0-9](?:\.\ ?[01]?[0-9]\.\ ?|/[01]?[0-9]/)(?:{_YEAR}|[0-9]{{2}})"
    + _NUM_END,
    # 1.3. and 1. 3. (Czech): the closing dot is what makes it a date and not 1.3
    "dm": rf"{_NUM_START}[0-3]?[0-9]\.\ ?[01]?[0-9]\.(?![0-9])",
    # 01.03 without the closing dot: a date only where a range expects one ("с 01.03")
    "dm2": rf"{_NUM_START}[0-3][0-9]\.[01][0-9]{_NUM_END}",
}
# A day of the month, with the ordinal endings people type: "1st", "1.", "1-го", "5-те".
_DAY = (
    rf"{_NUM_START}(?:[12][0-9]|3[01]|0?[1-9])"
    rf"(?:st|nd|rd|th|\.|-?(?:го|ого|е|ое|й|ий|те|ше|ге|є))?{_NUM_END}(?![a-zа-яіїєґ])"
)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # iso dmy dm dm2 rel ago lastn yearp month weekday day year since from to ...
    start: int
    end: int
    text: str  # folded
    key: str = ""  # which relative expression, for kind "rel"


def _alternation(words: list[str] | str) -> str:
    items = words.split("|") if isinstance(words, str) else words
    items = [w for w in items if w]
    return "|".join(sorted(items, key=len, reverse=True)) or "(?!)"


@lru_cache(maxsize=8)
def _lexer(language: str) -> tuple[re.Pattern[str], dict[str, re.Pattern[str]]]:
    relative = calendar_words.relative(language)
    units = calendar_words.units(language)
    preps = calendar_words.prepositions(language)
    after, before = calendar_words.year_words(language)
    unit_words = _alternation("|".join(units.values()))
    year_period = []
    if after:
        year_period.append(rf"{_YEAR}\ ?(?:{after})(?![^\W\d_])")
    if before:
        year_period.append(rf"(?:{before})\ {_YEAR}{_E}")
    parts = {
        **_NUMERIC,
        "rel": _B + "(?:" + "|".join(f"(?:{p})" for p in relative.values()) + ")" + _E,
        "ago": rf"{_B}(?:{calendar_words.ago(language)}){_E}",
        "lastn": rf"{_B}(?:(?:{calendar_words.last(language)})\ [0-9]{{1,3}}"
        rf"|(?:{calendar_words.last_one(language) or '(?!)'}))\ (?:{unit_words}){_E}",
        "yearp": "|".join(year_period) or "(?!)",
        "month": rf"{_B}(?:{_alternation(list(calendar_words.months(language)))})\.?{_E}",
        "weekday": rf"{_B}(?:{_alternation(list(calendar_words.weekdays(language)))}){_E}",
        "day": _DAY,
        "year": rf"{_NUM_START}{_YEAR}{_NUM_END}",
        "since": rf"{_B}(?:{_alternation(preps['since'])}){_E}",
        "from": rf"{_B}(?:{_alternation(preps['from'])}){_E}",
        "to": rf"{_B}(?:{_alternation(preps['to'])}){_E}",
        "between": rf"{_B}(?:{_alternation(preps['between'])}){_E}",
        "and": rf"{_B}(?:{_alternation(preps['and'])}){_E}",
        "of": rf"{_B}of{_E}",
        "dayword": rf"{_B}(?:числа|число){_E}",  # "3-го числа": the 3rd of the month
        "the": rf"{_B}the{_E}",
        "dash": r"-",
        "comma": r",",
    }
    master = re.compile("|".join(f"(?P<{kind}>{p})" for kind, p in parts.items()))
    keys = {key: re.compile(f"(?:{p})") for key, p in relative.items()}
    return master, keys


def tokens(folded: str, language: str) -> list[Token]:
    """Date words in text order; other text between them is skipped."""
    master, keys = _lexer(language)
    found: list[Token] = []
    for match in master.finditer(folded):
        kind = match.lastgroup or ""
        key = ""
        if kind == "rel":
            key = next((k for k, p in keys.items() if p.fullmatch(match.group())), "")
            if not key:
                continue
        found.append(Token(kind, match.start(), match.end(), match.group(), key))
    return found


def month_number(token: Token, language: str) -> int:
    return calendar_words.months(language)[token.text.rstrip(".")]


def weekday_number(token: Token, language: str) -> int:
    return calendar_words.weekdays(language)[token.text]


def day_number(token: Token) -> int:
    return int(re.sub(r"[^0-9]", "", token.text))


def preceded_by_month_preposition(folded: str, start: int, language: str) -> bool:
    """Whether a preposition that may stand before a bare month ("in May") precedes it."""
    preps = calendar_words.prepositions(language)["month"]
    return re.search(rf"(?<![\w])(?:{preps})\s+$", folded[max(0, start - 20) : start]) is not None
