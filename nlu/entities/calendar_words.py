"""Words for days, months and periods in each language, in folded form (see folding.py).

Month names come with every case a customer writes after a number or a preposition:
"1. března", "v březnu", "за март", "в марте", "з 1 березня", "у березні".
"""

from __future__ import annotations

_MONTHS_EN = (
    "january jan|february feb|march mar|april apr|may|june jun|july jul|august aug"
    "|september sep sept|october oct|november nov|december dec"
)
_MONTHS_EN_FULL = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
_MONTHS = {
    "en": _MONTHS_EN,
    "cs": "leden ledna lednu lednem|unor unora unoru unorem|brezen brezna breznu breznem"
    "|duben dubna dubnu dubnem|kveten kvetna kvetnu kvetnem|cerven cervna cervnu cervnem"
    "|cervenec cervence cervenci cervencem|srpen srpna srpnu srpnem|zari|rijen rijna rijnu"
    " rijnem|listopad listopadu listopadem|prosinec prosince prosinci prosincem",
    "ru": "январь января январе январем|февраль февраля феврале февралем|март марта марте"
    "|апрель апреля апреле|май мая мае|июнь июня июне|июль июля июле|август августа августе"
    "|сентябрь сентября сентябре|октябрь октября октябре|ноябрь ноября ноябре"
    "|декабрь декабря декабре",
    "uk": "січень січня січні|лютий лютого лютому|березень березня березні|квітень квітня"
    " квітні|травень травня травні|червень червня червні|липень липня липні"
    "|серпень серпня серпні|вересень вересня вересні|жовтень жовтня жовтні"
    "|листопад листопада листопаді|грудень грудня грудні",
}

_WEEKDAYS = {
    "en": "monday|tuesday|wednesday|thursday|friday|saturday|sunday",
    "cs": "pondeli|utery|streda stredu|ctvrtek|patek|sobota sobotu|nedele nedeli",
    "ru": "понедельник|вторник|среда среду|четверг|пятница пятницу|суббота субботу|воскресенье",
    "uk": "понеділок|вівторок|середа середу|четвер|п'ятниця п'ятницю|субота суботу|неділя неділю",
}

# Relative expressions, each a regex over folded text, and what they mean.
_RELATIVE = {
    "en": {
        "today": "today",
        "yesterday": "yesterday",
        "before_yesterday": "(?:the )?day before yesterday",
        "tomorrow": "tomorrow",
        "last_week": "(?:last|past|previous) week",
        "this_week": "this week",
        "last_month": "(?:last|past|previous) month",
        "this_month": "this month",
        "last_year": "(?:last|past|previous) year",
        "this_year": "this year",
        "last_quarter": "(?:last|previous) quarter",
        "this_quarter": "this quarter",
        "this_month_since": "(?:since|from) the (?:beginning|start) of (?:the|this) month",
        "this_year_since": "(?:since|from) the (?:beginning|start) of (?:the|this) year",
    },
    "cs": {
        "today": "dnes|dneska|dnesek|dnesku",
        "yesterday": "vcera|vcerejsek|vcerejska|vcerejsku",
        "before_yesterday": "predevcirem",
        "tomorrow": "zitra",
        "last_week": "(?:minuly|minulej|minuleho|minulem|predchozi) (?:tyden|tydne|tydnu)",
        "this_week": "(?:tento|tenhle|tohoto|tomto|tomhle) (?:tyden|tydne|tydnu)",
        "last_month": "(?:minuly|minulej|minuleho|minulem|predchozi) (?:mesic|mesice|mesici)",
        "this_month": "(?:tento|tenhle|tohoto|tomto|tomhle) (?:mesic|mesice|mesici)",
        "last_year": "(?:minuly|minulej|minuleho|minulem) (?:rok|roku|roce)|loni|vloni",
        "this_year": "letos|(?:tento|tenhle|tohoto|tomto|letosni) (?:rok|roku|roce)",
        "last_quarter": "(?:minule|minuleho|minulem|posledni|predchozi) ctvrtleti",
        "this_quarter": "(?:toto|tohle|tohoto|tomto) ctvrtleti",
        "this_month_since": "od zacatku (?:mesice|tohoto mesice)",
        "this_year_since": "od zacatku (?:roku|tohoto roku)",
    },
    "ru": {
        "today": "сегодня|сегодняшн(?:ий|его|ему) дн(?:я|ю)|сегодняшний день",
        "yesterday": "вчера",
        "before_yesterday": "позавчера",
        "tomorrow": "завтра",
        "last_week": "(?:прошлая|прошлую|прошлой|предыдущую|предыдущей)"
        " (?:неделя|неделю|неделе|недели)",
        "this_week": "(?:эта|эту|этой|текущую|текущей) (?:неделя|неделю|неделе|недели)",
        "last_month": "(?:прошлый|прошлом|прошлого|предыдущий|предыдущем) (?:месяц|месяце|месяца)",
        "this_month": "(?:этот|этом|этого|текущий|текущем) (?:месяц|месяце|месяца)",
        "last_year": "(?:прошлый|прошлом|прошлого) (?:год|году|года)",
        "this_year": "(?:этот|этом|этого|текущий|текущем) (?:год|году|года)",
        "last_quarter": "(?:прошлый|прошлом|прошлого|предыдущий|последний)"
        " (?:квартал|квартале|квартала)",
        "this_quarter": "(?:этот|этом|этого|текущий|текущем) (?:квартал|квартале|квартала)",
        "this_month_since": "с начала (?:этого )?месяца",
        "this_year_since": "с начала (?:этого )?года",
    },
    "uk": {
        "today": "сьогодні|сьогоднішн(?:ій|ього|ьому) (?:день|дня|дню)",
        "yesterday": "вчора|учора",
        "before_yesterday": "позавчора",
        "tomorrow": "завтра",
        "last_week": "(?:минулого|минулий|минулому|попередній) (?:тижня|тиждень|тижні)",
        "this_week": "(?:цього|цей|цьому|поточний) (?:тижня|тиждень|тижні)",
        "last_month": "(?:минулого|минулий|минулому|попередній) (?:місяця|місяць|місяці)",
        "this_month": "(?:цього|цей|цьому|поточний) (?:місяця|місяць|місяці)",
        "last_year": "(?:минулого|минулий|минулому) (?:року|рік|році)|торік",
        "this_year": "(?:цього|цей|цьому|поточний) (?:року|рік|році)",
        "last_quarter": "(?:минулий|минулому|минулого|попередній|останній)"
        " (?:квартал|кварталі|кварталу)",
        "this_quarter": "(?:цей|цьому|цього|поточний) (?:квартал|кварталі|кварталу)",
        "this_month_since": "з початку (?:цього )?місяця",
        "this_year_since": "з початку (?:цього )?року",
    },
}

# "last 7 days": the word for last, and the unit words mapped to day / week / month.
_LAST = {
    "en": "last|past|previous",
    "cs": "poslednich|posledni",
    "ru": "последние|последних",
    "uk": "останні|останніх",
}
# The same without a number, meaning one: "za poslední měsíc", "за последнюю неделю".
# (English "last month" is the calendar month, see _RELATIVE.)
_LAST_ONE = {
    "en": "",
    "cs": "posledni|poslednim",
    "ru": "последний|последнюю|последнем|последнее",
    "uk": "останній|останню|останньому",
}
_UNITS = {
    "en": {"day": "days?", "week": "weeks?", "month": "months?"},
    "cs": {"day": "dni|dnu|dny|den", "week": "tydnu|tydny|tyden", "month": "mesicu|mesice|mesic"},
    "ru": {
        "day": "дней|дня|день",
        "week": "недель|недели|неделю",
        "month": "месяцев|месяца|месяц",
    },
    "uk": {
        "day": "днів|дні|день",
        "week": "тижнів|тижні|тиждень",
        "month": "місяців|місяці|місяць",
    },
}
# "3 days ago", "před týdnem", "неделю назад": one day, counted back from today.
_AGO = {
    "en": "(?:[0-9]{1,2}|a|one|two|three|four|five|six|seven) (?:days?|weeks?) ago",
    "cs": "pred (?:[0-9]{1,2} )?(?:dnem|dny|tydnem|tydny)",
    "ru": "(?:[0-9]{1,2} )?(?:день|дня|дней|неделю|недели|недель) назад",
    "uk": "(?:[0-9]{1,2} )?(?:день|дні|днів|тиждень|тижні|тижнів) тому",
}
AGO_COUNTS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
# A year as a period: "2025 год", "за 2025 рік", "rok 2025".
_YEAR_WORD_AFTER = {"cs": "", "ru": "год|года|году|г\\.?", "uk": "рік|року|р\\.", "en": "year"}
_YEAR_WORD_BEFORE = {"cs": "rok|roku|roce", "en": "year", "ru": "", "uk": ""}

# Prepositions: a period starting at a date ("since 1 March"), the end of a range
# ("to 15 March"), "between ... and ...", and those that may stand before a bare month.
_SINCE = {
    "en": "since|from|starting",
    "cs": "od|ode",
    "ru": "начиная с|с|со",
    "uk": "починаючи з|з|із|зі",
}
# Only start a range; alone they say what a payment is dated ("платеж от 1 марта").
_FROM = {"en": "", "cs": "", "ru": "от", "uk": "від"}
_TO = {"en": "to|till|until|through|thru", "cs": "do", "ru": "по|до", "uk": "по|до"}
_BETWEEN = {"en": "between", "cs": "mezi", "ru": "между", "uk": "між"}
_AND = {"en": "and", "cs": "a", "ru": "и", "uk": "і|та|й"}
_BEFORE_MONTH = {
    "en": "in|for|during|of|since|from|until|till|by|over|through|to|on|last",
    "cs": "v|ve|za|od|do|behem|pro|na|minuly|minulou",
    "ru": "в|во|за|с|со|до|по|от|на|прошлый|прошлую|прошлое",
    "uk": "в|у|за|з|із|до|по|від|на|протягом|минулий|минулу|минулої|минулого",
}


def _of(table: dict[str, str], language: str) -> str:
    return table.get(language, table["en"])


def months(language: str) -> dict[str, int]:
    """Month forms of the language (and English full names) mapped to 1-12."""
    table: dict[str, int] = {}
    for source in (_MONTHS_EN_FULL, _of(_MONTHS, language)):
        for number, forms in enumerate(source.split("|"), start=1):
            table.update(dict.fromkeys(forms.split(), number))
    return table


def weekdays(language: str) -> dict[str, int]:
    """Weekday forms of the language (and English) mapped to 0 (Monday) - 6."""
    table: dict[str, int] = {}
    for source in (_WEEKDAYS["en"], _of(_WEEKDAYS, language)):
        for number, forms in enumerate(source.split("|")):
            table.update(dict.fromkeys(forms.split(), number))
    return table


def all_month_forms() -> frozenset[str]:
    """Every month form in every language, without English abbreviations ("Jan" is a name)."""
    forms = {
        f for source in _MONTHS.values() for group in source.split("|") for f in group.split()
    }
    return frozenset(
        forms - set(_MONTHS_EN.replace("|", " ").split()) | set(_MONTHS_EN_FULL.split("|"))
    )


def relative(language: str) -> dict[str, str]:
    return _RELATIVE.get(language, _RELATIVE["en"])


def last(language: str) -> str:
    return _of(_LAST, language)


def last_one(language: str) -> str:
    return _LAST_ONE.get(language, "")


def units(language: str) -> dict[str, str]:
    return _UNITS.get(language, _UNITS["en"])


def ago(language: str) -> str:
    return _of(_AGO, language)


def year_words(language: str) -> tuple[str, str]:
    """Words that make a year a period when they follow it, and when they precede it."""
    return _of(_YEAR_WORD_AFTER, language), _of(_YEAR_WORD_BEFORE, language)


def prepositions(language: str) -> dict[str, str]:
    """Alternations of prepositions by role: since, from, to, between, and, month."""
    return {
        "since": _of(_SINCE, language),
        "from": _FROM.get(language, ""),
        "to": _of(_TO, language),
        "between": _of(_BETWEEN, language),
        "and": _of(_AND, language),
        "month": _of(_BEFORE_MONTH, language),
    }
