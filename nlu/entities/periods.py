"""Calendar arithmetic for relative dates: weeks start on Monday, ends are inclusive."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

Span = tuple[date, date]


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def recent_year(month: int, today: date) -> int:
    """The year of the most recent such month not in the future ("in May" in March)."""
    return today.year if month <= today.month else today.year - 1


def months_back(day: date, months: int) -> date:
    """The same day ``months`` earlier, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, month_end(year, month + 1).day))


def relative(key: str, today: date) -> Span:
    """What a relative expression ("last week", "вчора") covers, first and last day."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    previous_month_end = first - timedelta(days=1)
    quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    previous_quarter_end = quarter - timedelta(days=1)
    spans: dict[str, Span] = {
        "today": (today, today),
        "yesterday": (today - timedelta(days=1),) * 2,
        "before_yesterday": (today - timedelta(days=2),) * 2,
        "tomorrow": (today + timedelta(days=1),) * 2,
        "this_week": (monday, today),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "this_month": (first, today),
        "last_month": (previous_month_end.replace(day=1), previous_month_end),
        "this_year": (date(today.year, 1, 1), today),
        "this_month_since": (first, today),
        "this_quarter": (quarter, today),
        "last_quarter": (months_back(quarter, 3), previous_quarter_end),
        "this_year_since": (date(today.year, 1, 1), today),
        "last_year": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    return spans[key]


def recent_weekday(weekday: int, today: date) -> date:
    """The most recent such weekday not in the future ("on Friday" on a Sunday)."""
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def last_n(count: int, unit: str, today: date) -> Span:
    """The last ``count`` days, weeks or months, today included."""
    if unit == "month":
        return months_back(today, count) + timedelta(days=1), today
    days = count * 7 if unit == "week" else count
    return today - timedelta(days=days - 1), today
