"""Reading date words (date_tokens) as days, months, periods and ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from nlu.entities import calendar_words, periods
from nlu.entities.date_tokens import Token, day_number, month_number, tokens, weekday_number


@dataclass(frozen=True, slots=True)
class Day:
    """A calendar day, its year not yet known when None (month 0: only the day is)."""

    year: int | None
    month: int
    day: int


@dataclass(frozen=True, slots=True)
class Month:
    year: int | None
    month: int


@dataclass(frozen=True, slots=True)
class Fixed:
    """Already resolved: one day (``single``) or a period."""

    start: date
    end: date
    single: bool


Value = Day | Month | Fixed
Parsed = tuple[Value, int]  # the value and the index of the token after it
_NUMERIC = ("iso", "dmy", "dm")


class Grammar:
    def __init__(self, folded: str, language: str, today: date) -> None:
        self.folded = folded
        self.language = language
        self.today = today
        self.tokens = tokens(folded, language)

    def kind(self, index: int) -> str:
        return self.tokens[index].kind if 0 <= index < len(self.tokens) else ""

    def next_to(self, index: int) -> bool:
        """Whether token ``index + 1`` follows token ``index`` with only spaces between."""
        if index + 1 >= len(self.tokens):
            return False
        gap = self.folded[self.tokens[index].end : self.tokens[index + 1].start]
        return len(gap) <= 3 and not gap.strip()

    def then(self, index: int, *kinds: str) -> bool:
        """Whether the token after ``index`` is adjacent and of one of ``kinds``."""
        return self.next_to(index) and self.kind(index + 1) in kinds

    def after_the(self, index: int) -> int:
        """Skip an English "the" ("from the 1st of March")."""
        return index + 1 if self.kind(index) == "the" and self.next_to(index) else index

    def single(self, i: int, in_range: bool = False) -> Parsed | None:
        """One date, month or relative expression starting at token ``i``.

        ``in_range``: after "since" or in "from ... to ...", where "01.03" is a date too.
        """
        token = self.tokens[i] if i < len(self.tokens) else None
        if token is None:
            return None
        if token.kind in _NUMERIC or (token.kind == "dm2" and in_range):
            return _numeric(token), i + 1
        if token.kind in ("rel", "weekday"):
            return self._fixed(token), i + 1
        if token.kind == "ago":
            return self._ago(token), i + 1
        if token.kind in ("lastn", "yearp"):
            return self._counted(token), i + 1
        if token.kind == "day":
            return self._day_month(i)
        if token.kind == "month":
            return self._month_first(i)
        return None

    def _fixed(self, token: Token) -> Fixed:
        if token.kind == "weekday":
            day = periods.recent_weekday(weekday_number(token, self.language), self.today)
            return Fixed(day, day, True)
        start, end = periods.relative(token.key, self.today)
        return Fixed(start, end, start == end)

    def _ago(self, token: Token) -> Fixed:
        """ "3 days ago", "před týdnem", "2 тижні тому"; without a number, one."""
        count = _ago_count(token.text)
        weeks = re.search("week|tyd|недел|тижн|тиждень", token.text) is not None
        day = self.today - timedelta(days=count * (7 if weeks else 1))
        return Fixed(day, day, True)

    def _counted(self, token: Token) -> Fixed:
        numbers = [int(n) for n in re.findall(r"[0-9]+", token.text)]
        if token.kind == "yearp":
            return Fixed(date(numbers[0], 1, 1), date(numbers[0], 12, 31), False)
        unit = _unit(token.text, self.language)
        start, end = periods.last_n(max(numbers[0] if numbers else 1, 1), unit, self.today)
        return Fixed(start, end, False)

    def _day_month(self, i: int) -> Parsed | None:
        """ "1 March", "1st of March", "1. března 2026"."""
        if self.then(i, "month"):
            j = i + 1
        elif self.then(i, "of") and self.then(i + 1, "month"):
            j = i + 2
        else:
            return None
        month = month_number(self.tokens[j], self.language)
        year, after = self._year_after(j)
        return Day(year, month, day_number(self.tokens[i])), after

    def _month_first(self, i: int) -> Parsed | None:
        """ "March 3rd", "March 1, 2026", "May", "March 2026"."""
        month = month_number(self.tokens[i], self.language)
        if self.then(i, "day"):
            year, after = self._year_after(i + 1, comma=True)
            return Day(year, month, day_number(self.tokens[i + 1])), after
        year, after = self._year_after(i)
        return Month(year, month), after

    def _year_after(self, i: int, comma: bool = False) -> tuple[int | None, int]:
        if comma and self.then(i, "comma") and self.then(i + 1, "year"):
            return int(self.tokens[i + 2].text), i + 3
        if self.then(i, "year"):
            return int(self.tokens[i + 1].text), i + 2
        return None, i + 1

    def range_at(self, i: int) -> tuple[Value, Value, int] | None:
        """ "from 1 to 15 March", "1-15 March", "between 1 and 10 March", "вчера и сегодня"."""
        opener = self.kind(i)
        opened = opener in ("since", "from", "between") and self.next_to(i)
        j = self.after_the(i + 1) if opened else i
        first = self.single(j, in_range=True) or self._bare_day(j)
        if first is None:
            return None
        k = first[1]
        if not (self.next_to(k - 1) and self.kind(k) in _connectors(opener, first[0])):
            return None
        second = self.single(k + 1, in_range=True) if self.next_to(k) else None
        if second is None or not _can_join(first[0], second[0]):
            return None
        return first[0], second[0], second[1]

    def since_at(self, i: int) -> Parsed | None:
        """ "since 1 March", "od března", "с 01.03": a day or month to come after "since"."""
        if self.kind(i) != "since" or not self.next_to(i):
            return None
        parsed = self.single(self.after_the(i + 1), in_range=True)
        if parsed is None or isinstance(parsed[0], Fixed):
            return None
        return parsed

    def day_alone(self, i: int) -> Parsed | None:
        """ "the 3rd", "3-го числа": that day of this month, or of the last one while it
        is still to come."""
        if self.kind(i) == "the" and self.then(i, "day"):
            day = self.tokens[i + 1]
            if not day.text.endswith(("st", "nd", "rd", "th")) or self.then(i + 1, "of"):
                return None
            after = i + 2
        elif self.kind(i) == "day" and self.then(i, "dayword"):
            day, after = self.tokens[i], i + 2
        else:
            return None
        number = day_number(day)
        month_start = self.today.replace(day=1)
        if number > self.today.day:
            month_start = periods.months_back(month_start, 1)
        try:
            found = month_start.replace(day=number)
        except ValueError:
            return None
        return Fixed(found, found, True), after

    def _bare_day(self, i: int) -> Parsed | None:
        if self.kind(i) == "day":
            return Day(None, 0, day_number(self.tokens[i])), i + 1
        return None


def _can_join(first: Value, second: Value) -> bool:
    """Days and months join each other, relative days join each other, and a day may run
    up to a relative day ("from 15 Feb till today"), but "1 - last week" means nothing."""
    if isinstance(first, Fixed):
        return isinstance(second, Fixed)
    return not isinstance(second, Fixed) or second.single


def _connectors(opener: str, first: Value) -> tuple[str, ...]:
    if opener == "between":
        return ("and",)
    if isinstance(first, Fixed):
        return ("to", "dash", "and")  # "yesterday and today" is both days
    return ("to", "dash")


def _numeric(token: Token) -> Day:
    numbers = [int(n) for n in re.findall(r"[0-9]+", token.text)]
    if token.kind == "iso":
        return Day(numbers[0], numbers[1], numbers[2])
    if token.kind in ("dm", "dm2"):
        return Day(None, numbers[1], numbers[0])
    year = numbers[2] + 2000 if numbers[2] < 100 else numbers[2]
    return Day(year, numbers[1], numbers[0])


def _ago_count(text: str) -> int:
    for word in text.split():
        if word.isdigit():
            return int(word)
        if word in calendar_words.AGO_COUNTS:
            return calendar_words.AGO_COUNTS[word]
    return 1


def _unit(text: str, language: str) -> str:
    word = text.split()[-1]
    for unit, forms in calendar_words.units(language).items():
        if re.fullmatch(forms, word):
            return unit
    return "day"
