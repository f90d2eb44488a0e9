"""Dates and periods, relative to today (Sunday 15 March 2026), in every language."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.entities import extract

TODAY = date(2026, 3, 15)


def dates(text: str, language: str, today: date = TODAY) -> list[tuple[str, str, str]]:
    return [
        (e.entity, text[e.start : e.end], e.value)
        for e in extract(text, language, today=today)
        if e.entity in ("date", "period")
    ]


@pytest.mark.parametrize(
    ("language", "text", "typed", "kind", "value"),
    [
        ("en", "statement for today", "today", "date", "2026-03-15"),
        ("en", "what did i spend yesterday", "yesterday", "date", "2026-03-14"),
        ("en", "show last week", "last week", "period", "2026-03-02/2026-03-08"),
        ("en", "statement this month", "this month", "period", "2026-03-01/2026-03-15"),
        ("en", "spending last month", "last month", "period", "2026-02-01/2026-02-28"),
        ("en", "spent in May", "May", "period", "2025-05-01/2025-05-31"),
        ("en", "statement since 1 March", "since 1 March", "period", "2026-03-01/2026-03-15"),
        ("en", "from 1 to 15 March", "from 1 to 15 March", "period", "2026-03-01/2026-03-15"),
        ("en", "payment on 1.3.2026", "1.3.2026", "date", "2026-03-01"),
        ("en", "statement 2026-03-01", "2026-03-01", "date", "2026-03-01"),
        ("en", "what happened on 1 March", "1 March", "date", "2026-03-01"),
        ("en", "the last 30 days", "last 30 days", "period", "2026-02-14/2026-03-15"),
        ("en", "on Friday", "Friday", "date", "2026-03-13"),
        ("cs", "co jsem utratil včera", "včera", "date", "2026-03-14"),
        ("cs", "co jsem utratil vcera", "vcera", "date", "2026-03-14"),
        ("cs", "platby minulý týden", "minulý týden", "period", "2026-03-02/2026-03-08"),
        ("cs", "utratil v květnu", "květnu", "period", "2025-05-01/2025-05-31"),
        ("cs", "výpis od 1. března", "od 1. března", "period", "2026-03-01/2026-03-15"),
        ("cs", "od 1. do 15. března", "od 1. do 15. března", "period", "2026-03-01/2026-03-15"),
        ("cs", "platba z 1. 3. 2026", "1. 3. 2026", "date", "2026-03-01"),
        ("cs", "výpis od 1.2. do 28.2.", "od 1.2. do 28.2.", "period", "2026-02-01/2026-02-28"),
        ("ru", "сколько потратил вчера", "вчера", "date", "2026-03-14"),
        ("ru", "операции на прошлой неделе", "прошлой неделе", "period", "2026-03-02/2026-03-08"),
        ("ru", "потратил в мае", "мае", "period", "2025-05-01/2025-05-31"),
        ("ru", "выписка с 1 марта", "с 1 марта", "period", "2026-03-01/2026-03-15"),
        ("ru", "с 1 по 15 марта", "с 1 по 15 марта", "period", "2026-03-01/2026-03-15"),
        ("ru", "выписка за 2025 год", "2025 год", "period", "2025-01-01/2025-12-31"),
        ("uk", "скільки витратив вчора", "вчора", "date", "2026-03-14"),
        ("uk", "операції минулого тижня", "минулого тижня", "period", "2026-03-02/2026-03-08"),
        ("uk", "витратив у травні", "травні", "period", "2025-05-01/2025-05-31"),
        ("uk", "виписка з 1 березня", "з 1 березня", "period", "2026-03-01/2026-03-15"),
        ("uk", "з 1 до 10 березня", "з 1 до 10 березня", "period", "2026-03-01/2026-03-10"),
        ("uk", "виписка за лютий 2026", "лютий 2026", "period", "2026-02-01/2026-02-28"),
    ],
)
def test_dates_and_periods_in_every_language(
    language: str, text: str, typed: str, kind: str, value: str
) -> None:
    assert dates(text, language) == [(kind, typed, value)]


def test_a_month_without_a_year_is_the_most_recent_one_not_in_the_future() -> None:
    assert dates("in March", "en") == [("period", "March", "2026-03-01/2026-03-31")]
    assert dates("in April", "en") == [("period", "April", "2025-04-01/2025-04-30")]
    assert dates("in December", "en", today=date(2026, 1, 2)) == [
        ("period", "December", "2025-12-01/2025-12-31")
    ]


def test_a_bare_month_name_needs_a_preposition() -> None:
    assert dates("May I ask something", "en") == []
    assert dates("він лютий", "uk") == []


def test_a_day_that_does_not_exist_is_no_date() -> None:
    assert dates("payment on 30.2.2026", "en") == []


def test_a_period_reaching_into_the_previous_year_takes_the_right_year() -> None:
    assert dates("od 15.12. do 10.1.", "cs") == [
        ("period", "od 15.12. do 10.1.", "2025-12-15/2026-01-10")
    ]


def test_without_today_the_current_date_is_used() -> None:
    found = extract("yesterday", "en")
    assert [e.entity for e in found] == ["date"]


@pytest.mark.parametrize(
    ("language", "text", "typed", "kind", "value"),
    [
        (
            "ru",
            "операции с 1-го по 15-е марта",
            "с 1-го по 15-е марта",
            "period",
            "2026-03-01/2026-03-15",
        ),
        ("ru", "платеж 5-го марта", "5-го марта", "date", "2026-03-05"),
        (
            "uk",
            "з 1-го по 5-те березня",
            "з 1-го по 5-те березня",
            "period",
            "2026-03-01/2026-03-05",
        ),
        ("en", "i paid 3 days ago", "3 days ago", "date", "2026-03-12"),
        ("en", "sent it a week ago", "a week ago", "date", "2026-03-08"),
        ("cs", "platba před 3 dny", "před 3 dny", "date", "2026-03-12"),
        ("ru", "перевел неделю назад", "неделю назад", "date", "2026-03-08"),
        ("uk", "переказав 2 тижні тому", "2 тижні тому", "date", "2026-03-01"),
        ("en", "customer since 2019", "since 2019", "period", "2019-01-01/2026-03-15"),
        ("cs", "výpis od roku 2024", "od roku 2024", "period", "2024-01-01/2026-03-15"),
        ("cs", "výpis za poslední měsíc", "poslední měsíc", "period", "2026-02-16/2026-03-15"),
        ("ru", "за последнюю неделю", "последнюю неделю", "period", "2026-03-09/2026-03-15"),
        ("uk", "за останній місяць", "останній місяць", "period", "2026-02-16/2026-03-15"),
        (
            "ru",
            "с 1 марта по сегодняшний день",
            "с 1 марта по сегодняшний день",
            "period",
            "2026-03-01/2026-03-15",
        ),
        ("en", "charged on the 3rd", "the 3rd", "date", "2026-03-03"),
        ("en", "salary on the 25th", "the 25th", "date", "2026-02-25"),
        ("ru", "списали 3-го числа", "3-го числа", "date", "2026-03-03"),
    ],
)
def test_ordinals_days_ago_since_a_year_and_a_day_of_the_month(
    language: str, text: str, typed: str, kind: str, value: str
) -> None:
    assert dates(text, language) == [(kind, typed, value)]


def test_a_year_after_since_that_is_money_is_no_period() -> None:
    assert dates("сними с 2000 рублей", "ru") == []
