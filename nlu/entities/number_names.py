"""Number words in folded form (see folding.py), in all four languages, by their role.

A number in words is built from parts in a fixed order: hundreds, tens, then a unit or a
teen ("two hundred and fifty", "dvě stě padesát", "двадцать пять", "п'ятсот"), and a
scale word multiplies what came before ("двадцать пять тысяч"). Each word is listed with
the forms people type after a verb ("одну", "jednu", "двох").
"""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from functools import lru_cache

from nlu.entities import currencies


class Part(IntEnum):
    """A word's place in a number; a part may follow only a larger one in its group."""

    UNIT = 1  # 1-9, and the teens 10-19
    TEN = 2  # 20, 30 ... 90, and Czech "pětadvacet" (a ten and a unit in one word)
    HUNDRED = 3  # 100 ... 900 in one word ("двести", "sto")
    TIMES_HUNDRED = 4  # "hundred", Czech "stě / sta / set": the unit before times 100
    HALF = 5  # "полторы", "півтори": one and a half, only before a scale or a currency
    SCALE = 6  # thousand, million: everything before it times the scale
    ARTICLE = 7  # English "a" in "a hundred", "a grand"


_UNITS = {
    1: "one jeden jedna jedno jednu один одна одну одного одной",
    2: "two dva dve два две дві двох",
    3: "three tri три трьох",
    4: "four ctyri четыре чотири",
    5: "five pet пять п'ять",
    6: "six sest шесть шість",
    7: "seven sedm семь сім",
    8: "eight osm восемь вісім",
    9: "nine devet девять дев'ять",
    10: "ten deset десять",
    11: "eleven jedenact одиннадцать одинадцять",
    12: "twelve dvanact двенадцать дванадцять",
    13: "thirteen trinact тринадцать тринадцять",
    14: "fourteen ctrnact четырнадцать чотирнадцять",
    15: "fifteen patnact пятнадцать п'ятнадцять",
    16: "sixteen sestnact шестнадцать шістнадцять",
    17: "seventeen sedmnact семнадцать сімнадцять",
    18: "eighteen osmnact восемнадцать вісімнадцять",
    19: "nineteen devatenact девятнадцать дев'ятнадцять",
}
_TENS = {
    20: "twenty dvacet двадцать двадцять",
    30: "thirty tricet тридцать тридцять",
    40: "forty ctyricet сорок",
    50: "fifty padesat пятьдесят п'ятдесят",
    60: "sixty sedesat шестьдесят шістдесят",
    70: "seventy sedmdesat семьдесят сімдесят",
    80: "eighty osmdesat восемьдесят вісімдесят",
    90: "ninety devadesat девяносто дев'яносто",
}
_HUNDREDS = {
    100: "sto сто",
    200: "dveste двести двісті",
    300: "trista триста",
    400: "ctyrista четыреста чотириста",
    500: "petset пятьсот п'ятсот",
    600: "sestset шестьсот шістсот",
    700: "sedmset семьсот сімсот",
    800: "osmset восемьсот вісімсот",
    900: "devetset девятьсот дев'ятсот",
}
_TIMES_HUNDRED = "hundred ste sta set"
_HALF = "полторы полтора півтори півтора"
# Czech says 25 as "pětadvacet" too: a unit, "a", and a ten in one word.
_CZECH_UNITS = {1: "jedn jeden", 2: "dva", 3: "tri", 4: "ctyri", 5: "pet", 6: "sest", 7: "sedm"}
_CZECH_UNITS |= {8: "osm", 9: "devet"}
# Scale words that are a whole number by themselves ("тысяча рублей", "tisíc korun").
SCALE_ALONE = frozenset(
    ("thousand", "tisic", "тысяча", "тысячу", "тисяча", "тисячу", "миллион", "мільйон")
)
# Slang that is money by itself: a fiver, a hundred (crowns, roubles, hryvnias), 500, 1000.
_MONEY_ALONE: dict[int, str] = {
    5: "fiver",
    10: "tenner",
    100: "stovka stovku stovky stovek сотка сотку сотки сотня сотню",
    200: "dvoustovka dvoustovku dvoustovky",
    500: "petistovka petistovku petistovky petikilo petikila пятихатка пятихатку пятихаты "
    "пятисотка пятисотку п'ятихатка п'ятихатку п'ятисотка п'ятисотку",
    1000: "litr litru tisicovka tisicovku tisicovky косарь косаря косарей косар тысячу тисячу",
    5000: "petitisicovka petitisicovku",
}


def _table(source: dict[int, str], part: Part) -> dict[str, tuple[Part, Decimal]]:
    return {w: (part, Decimal(n)) for n, words in source.items() for w in words.split()}


@lru_cache(maxsize=1)
def _words() -> dict[str, tuple[Part, Decimal]]:
    czech_compounds = {
        f"{unit}a{ten}": (Part.TEN, Decimal(u + t))
        for u, units in _CZECH_UNITS.items()
        for unit in units.split()
        for t, tens in _TENS.items()
        for ten in tens.split()[1:2]
    }
    return {
        **_table(_UNITS, Part.UNIT),
        **_table(_TENS, Part.TEN),
        **czech_compounds,
        **_table(_HUNDREDS, Part.HUNDRED),
        **dict.fromkeys(_TIMES_HUNDRED.split(), (Part.TIMES_HUNDRED, Decimal(100))),
        **dict.fromkeys(_HALF.split(), (Part.HALF, Decimal("1.5"))),
    }


def part_of(word: str, language: str) -> tuple[Part, Decimal] | None:
    """The role and value of a folded word in a number, if it is a number word."""
    if word == "a":
        return (Part.ARTICLE, Decimal(1)) if language == "en" else None
    found = _words().get(word)
    if found is not None:
        return found
    scale = currencies.scale_word(word)
    return (Part.SCALE, scale) if scale is not None else None


@lru_cache(maxsize=1)
def _alone() -> dict[str, Decimal]:
    return {w: Decimal(n) for n, words in _MONEY_ALONE.items() for w in words.split()}


def money_alone(word: str) -> Decimal | None:
    """The value of slang that means money by itself ("stovku", "пятихатку", "tenner")."""
    return _alone().get(word)
