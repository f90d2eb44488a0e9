"""Amounts written in words: "fifty euros", "twenty-five quid", "dvě stě korun",
"двадцать пять тысяч рублей", "полторы тысячи", "сотню".

The words of a number (number_names) are read in order, as a person says them, until a
word does not fit. A number followed by a currency is an amount in any message. Without
one it counts only in a message about moving money, and only when it cannot be a count of
things: slang that means money by itself ("stovku", "пятихатку"), a number with a scale
("п'ятнадцять тисяч"), or one of a hundred or more in several words ("two hundred").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from nlu.entities import currencies, money_words
from nlu.entities.amounts import candidate
from nlu.entities.candidates import Candidate
from nlu.entities.number_names import SCALE_ALONE, Part, money_alone, part_of

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_MAX_WORDS = 400
# What may stand between the words of one number: a space, an English hyphen
# ("twenty-five") and an English "and" ("two hundred and fifty").
_JOINS = (" ", "-")
_AND = " and "


@dataclass(frozen=True, slots=True)
class _Number:
    value: Decimal
    words: int  # how many words it took
    end: int  # where its last word ends in the text
    scaled: bool  # it has a scale word (thousand, million)


@lru_cache(maxsize=1)
def _currency_after() -> re.Pattern[str]:
    return re.compile(rf"\ (?P<cur>{currencies.after_pattern()})(?![\w'])")


def find(folded: str, language: str) -> list[Candidate]:
    """Amounts written as number words."""
    words = [
        (m.start(), m.end(), m.group())
        for m in _WORD.finditer(folded)
        if m.group() != "and"  # read as a join: "two hundred and fifty"
    ][:_MAX_WORDS]
    money_message = money_words.is_money_message(folded, language)
    found: list[Candidate] = []
    index = 0
    while index < len(words):
        number = _read(folded, words, index, language)
        if number is None:
            index += 1
            continue
        start = words[index][0]
        amount = _amount(folded, start, number, words[index][2], language, money_message)
        if amount is not None:
            found.append(amount)
        index += number.words
    return found


def _amount(
    folded: str, start: int, number: _Number, first: str, language: str, money_message: bool
) -> Candidate | None:
    currency = _currency_after().match(folded, number.end)
    if currency is not None:
        code = currencies.currency(currency.group("cur"))
        return candidate(_whole(number.value), code, start, currency.end(), True)
    if not money_message or number.value != number.value.to_integral_value():
        return None
    alone = number.words == 1 and money_alone(first) is not None
    several = number.words > 1 and number.value >= 100
    if not (alone or number.scaled or several):
        return None  # "two cards", "one more thing"
    if money_words.counts_things(folded[number.end : number.end + 20], language):
        return None  # "двадцать пять тысяч лет"
    return candidate(_whole(number.value), None, start, number.end, True)


def _read(
    folded: str, words: list[tuple[int, int, str]], index: int, language: str
) -> _Number | None:
    """The number spelled by the words from ``index``, as far as they fit together."""
    slang = money_alone(words[index][2])
    reader = _Reader()
    taken = 0
    for position in range(index, len(words)):
        word = words[position][2]
        if position > index and not _joined(folded, words[position - 1], words[position]):
            break
        part = part_of(word, language)
        if part is None or not reader.add(part[0], part[1], _opens(word, part[0], taken)):
            break
        taken += 1
    if reader.last is Part.ARTICLE:
        taken -= 1  # "a" that no "hundred" or "grand" followed
    if taken <= 0:
        return None if slang is None else _Number(slang, 1, words[index][1], False)
    if taken == 1 and slang is not None:
        return _Number(slang, 1, words[index][1], False)
    end = words[index + taken - 1][1]
    if reader.last is None and folded[end : end + 1] == ".":
        end += 1  # "dva tis. korun", "пять тыс. рублей"
    return _Number(reader.value(), taken, end, reader.scaled)


def _opens(word: str, part: Part, taken: int) -> bool:
    """Whether a scale or "hundred" word may start a number: "тысяча", "hundred pounds";
    not Czech "set" or "sta", which are other words too, nor "grand" alone."""
    if taken:
        return True
    return word in SCALE_ALONE or word == "hundred" or part not in _NEEDS_BEFORE


_NEEDS_BEFORE = (Part.SCALE, Part.TIMES_HUNDRED)


def _joined(folded: str, before: tuple[int, int, str], after: tuple[int, int, str]) -> bool:
    gap = folded[before[1] : after[0]]
    return gap in _JOINS or gap == _AND


class _Reader:
    """Adds up number words: hundreds, tens and units in a group, a scale closing it."""

    def __init__(self) -> None:
        self.total = Decimal(0)
        self.group = Decimal(0)
        self.last: Part | None = None  # None: at the start of a group
        self.scale_limit: Decimal | None = None
        self.scaled = False

    def add(self, part: Part, value: Decimal, may_open: bool) -> bool:
        """Take the next word if it fits the number so far."""
        if not may_open:
            return False
        if part is Part.SCALE:
            return self._scale(value)
        if part is Part.TIMES_HUNDRED:
            return self._hundred()
        if part in (Part.ARTICLE, Part.HALF):
            if self.last is not None:
                return False
            self.group, self.last = value, part
            return True
        if self.last in (Part.ARTICLE, Part.HALF) or (self.last is not None and part >= self.last):
            return False
        if part is Part.UNIT and value >= 10 and self.last is Part.TEN:
            return False  # "twenty twelve" is two numbers
        self.group += value
        self.last = part
        return True

    def _hundred(self) -> bool:
        """ "two hundred", "dvě stě", "pět set", "a hundred", or "hundred" alone."""
        if self.last is Part.UNIT and 0 < self.group < 10:
            self.group *= 100
        elif self.last is Part.ARTICLE or (self.last is None and self.total == 0):
            self.group = Decimal(100)
        else:
            return False
        self.last = Part.HUNDRED
        return True

    def _scale(self, value: Decimal) -> bool:
        if self.scale_limit is not None and value >= self.scale_limit:
            return False
        if self.last is None and self.total:
            return False  # "тысяч миллионов"
        self.total += (self.group or Decimal(1)) * value
        self.group = Decimal(0)
        self.scale_limit = value
        self.last = None
        self.scaled = True
        return True

    def value(self) -> Decimal:
        return self.total + self.group


def _whole(value: Decimal) -> Decimal:
    """1.5 thousand is 1500, not 1500.0."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
