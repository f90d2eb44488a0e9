"""Dates and periods: "yesterday", "since 1 March", "od 1. do 15. března", "в мае", "2026-03-01".

The date words (date_tokens) are read by a small grammar (date_grammar) as a single date
or month, a range ("from X to Y", "X-Y", "between X and Y") or an open range up to today
("since X"); this module decides which readings stand and turns them into entities.
Months without a year are the most recent such month not in the future.
"""

from __future__ import annotations

import re
from datetime import date

from nlu.entities import currencies, periods
from nlu.entities.candidates import RULES, Candidate, Rank
from nlu.entities.date_grammar import Day, Fixed, Grammar, Month, Value
from nlu.entities.date_tokens import preceded_by_month_preposition
from nlu.result import Entity

_NEXT_WORD = re.compile(r"\s*([^\s0-9]+|[0-9])")


def find(folded: str, language: str, today: date) -> list[Candidate]:
    """Dates (ISO day) and periods (ISO interval, inclusive) in the text."""
    grammar = Grammar(folded, language, today)
    found: list[Candidate] = []
    index = 0
    while index < len(grammar.tokens):
        parsed = _expression(grammar, index)
        if parsed is None:
            index += 1
            continue
        found.append(parsed[0])
        index = parsed[1]
    return found


def _expression(g: Grammar, i: int) -> tuple[Candidate, int] | None:
    start = g.tokens[i].start
    ranged = g.range_at(i)
    if ranged is not None:
        span = _range_span(ranged[0], ranged[1], g.today)
        if span is not None:
            return _candidate(span, False, start, g.tokens[ranged[2] - 1].end), ranged[2]
    since = g.since_at(i)
    if since is not None:
        begin = _resolve(since[0], g.today)
        if begin is not None and begin[0] <= g.today:
            end = g.tokens[since[1] - 1].end
            return _candidate((begin[0], g.today), False, start, end), since[1]
    since_year = _since_year(g, i)
    if since_year is not None:
        return since_year
    if g.kind(i) == "year":
        return _year(g, i)
    single = g.single(i) or g.day_alone(i)
    if single is None or not _stands_alone(g, i, single[0]):
        return None
    span = _resolve(single[0], g.today)
    if span is None:
        return None
    value = single[0]
    is_single = isinstance(value, Day) or (isinstance(value, Fixed) and value.single)
    return _candidate(span, is_single, start, g.tokens[single[1] - 1].end), single[1]


def _stands_alone(g: Grammar, i: int, value: Value) -> bool:
    """A bare month or weekday needs a preposition: "May I ...", "лютий" (fierce) are not
    dates, "in May", "za únor", "в пятницу" are."""
    bare = (isinstance(value, Month) and value.year is None) or g.kind(i) == "weekday"
    return not bare or preceded_by_month_preposition(g.folded, g.tokens[i].start, g.language)


def _since_year(g: Grammar, i: int) -> tuple[Candidate, int] | None:
    """ "since 2019", "od roku 2019", "с 2025 года": from that year's first day to today."""
    if g.kind(i) != "since" or not g.next_to(i) or g.kind(i + 1) not in ("year", "yearp"):
        return None
    token = g.tokens[i + 1]
    if _money_follows(g, token.end):
        return None  # "с 2000 рублей"
    year = int(re.findall(r"[0-9]{4}", token.text)[0])
    if year > g.today.year:
        return None
    return _candidate((date(year, 1, 1), g.today), False, g.tokens[i].start, token.end), i + 2


def _money_follows(g: Grammar, end: int) -> bool:
    following = _NEXT_WORD.match(g.folded, end)
    return following is not None and (
        following.group(1).isdigit() or currencies.currency(following.group(1)) is not None
    )


def _year(g: Grammar, i: int) -> tuple[Candidate, int] | None:
    """ "for 2025", "v 2025": a whole year, unless the number is money ("za 2025 Kč")."""
    token = g.tokens[i]
    if not preceded_by_month_preposition(g.folded, token.start, g.language):
        return None
    if _money_follows(g, token.end):
        return None
    year = int(token.text)
    span = (date(year, 1, 1), date(year, 12, 31))
    return _candidate(span, False, token.start, token.end), i + 1


def _candidate(span: periods.Span, single: bool, start: int, end: int) -> Candidate:
    if single:
        entity = Entity("date", span[0].isoformat(), start, end, RULES)
    else:
        value = f"{span[0].isoformat()}/{span[1].isoformat()}"
        entity = Entity("period", value, start, end, RULES)
    return Candidate(entity, Rank.DATE)


def _resolve(value: Value, today: date) -> periods.Span | None:
    """First and last day; None for a day that does not exist (30 February)."""
    if isinstance(value, Fixed):
        return value.start, value.end
    year = value.year if value.year is not None else periods.recent_year(value.month, today)
    try:
        if isinstance(value, Month):
            return date(year, value.month, 1), periods.month_end(year, value.month)
        day = date(year, value.month, value.day)
    except ValueError:
        return None
    return day, day


def _range_span(first: Value, second: Value, today: date) -> periods.Span | None:
    """The period from ``first`` to ``second``; a bare first day or a first date without
    a year takes them from the second ("from 1 to 15 March", "od 1.12. do 15.1.2026")."""
    end = _resolve(second, today)
    if end is None:
        return None
    if isinstance(first, Day) and first.month == 0:
        first = Day(end[1].year, end[1].month, first.day)
    if isinstance(first, Day | Month) and first.year is None:
        year = end[1].year if first.month <= end[1].month else end[1].year - 1
        first = (
            Day(year, first.month, first.day)
            if isinstance(first, Day)
            else Month(year, first.month)
        )
    begin = _resolve(first, today)
    if begin is None or begin[0] > end[1]:
        return None
    return begin[0], end[1]
