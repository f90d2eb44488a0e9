"""Amounts written in words: "fifty euros", "padesát eur", "полторы тысячи", "сотню".

Only one number word, with an optional multiplier and currency; "twenty five" and
"dvě stě padesát" are left to the customer's next message. A word alone counts only when
it can mean nothing but money ("stovku", "сотку"); "two" must be "two pounds".
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from nlu.entities import currencies, money_words
from nlu.entities.amounts import candidate
from nlu.entities.candidates import Candidate

_NUMBERS: dict[int | str, str] = {
    1: "one jeden jedna jedno один одна одну",
    2: "two dva dve два две дві",
    3: "three tri три",
    4: "four ctyri четыре чотири",
    5: "five pet пять п'ять",
    6: "six sest шесть шість",
    7: "seven sedm семь сім",
    8: "eight osm восемь вісім",
    9: "nine devet девять дев'ять",
    10: "ten deset десять",
    20: "twenty dvacet двадцать двадцять",
    30: "thirty tricet тридцать тридцять",
    40: "forty ctyricet сорок",
    50: "fifty padesat пятьдесят п'ятдесят",
    60: "sixty sedesat шестьдесят шістдесят",
    70: "seventy sedmdesat семьдесят сімдесят",
    80: "eighty osmdesat восемьдесят вісімдесят",
    90: "ninety devadesat девяносто дев'яносто",
    100: "hundred sto сто",
    200: "dveste двести двісті",
    300: "trista триста",
    500: "petset пятьсот п'ятсот",
    1000: "tisic тысяча тисяча",
    "1.5": "полторы полтора півтори півтора",
}
# Slang that is money by itself: a hundred (crowns, roubles, hryvnias), a thousand.
_MONEY_ALONE: dict[int, str] = {
    100: "stovka stovku stovky stovek сотка сотку сотня сотню",
    1000: "litr litru tisicovka tisicovku tisicovky косарь косаря косар тысячу тисячу",
}


def _table(source: dict[int | str, str] | dict[int, str]) -> dict[str, Decimal]:
    return {w: Decimal(str(n)) for n, words in source.items() for w in words.split()}


_WORD_VALUES = _table(_NUMBERS)
_ALONE_VALUES = _table(_MONEY_ALONE)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    words = sorted([*_WORD_VALUES, *_ALONE_VALUES], key=len, reverse=True)
    return re.compile(
        r"(?<![\w'])(?P<word>" + "|".join(re.escape(w) for w in words) + ")"
        rf"(?:\ (?P<mult>{currencies.multiplier_pattern()}))?"
        rf"(?:\ (?P<cur>{currencies.after_pattern()}))?"
        r"(?![\w'])"
    )


def find(folded: str, language: str) -> list[Candidate]:
    """Amounts written as a number word, in a message about money."""
    if not money_words.is_money_message(folded, language):
        return []
    found: list[Candidate] = []
    for match in _pattern().finditer(folded):
        word, mult, cur = match.group("word", "mult", "cur")
        alone = word in _ALONE_VALUES
        if not (alone or mult or cur):
            continue  # "two cards", "one more thing"
        value = _ALONE_VALUES.get(word) or _WORD_VALUES[word]
        if mult:
            value = (value * currencies.multiplier(mult)).quantize(Decimal(1))
        code = currencies.currency(cur) if cur else None
        found.append(candidate(value, code, match.start(), match.end(), True))
    return found
