"""How customers name currencies and multipliers, in folded form, in all four languages.

Every word is listed with the inflections people type after a number ("5 korun",
"2 гривні", "100 фунтів"): a pattern per stem would also take words that are not money.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision

_WORDS: dict[str, str] = {
    "EUR": "€ eur euro euros eura euru eurech eurum евро євро евриков",
    "USD": "$ usd us$ dollar dollars buck bucks dolar dolary dolaru dolarech dolarum доллар "
    "доллара долларов долларах долларам долар долара долари доларів доларах бакс бакса "
    "баксов баксів баксы бакси",
    "GBP": "£ gbp pound pounds quid libra libry liber libru librach фунт фунта фунтов "
    "фунты фунти фунтів фунтах",
    "CZK": "kc kc. czk koruna koruny korun korunu korunach korunami kacek kacky kacku kacka "
    "крон крона кроны крони крону кронах czech_crowns crowns korun_ceskych koruny_ceske "
    "ceskych_korun чешских_крон чеських_крон",
    "UAH": "₴ uah грн грн. гривна гривны гривен гривну гривня гривні гривень гривню гривнях "
    "гривнах "
    "hryvnia hryvnias hryvna hryvnas hrivna hrivny hriven",
    "RUB": "₽ rub руб руб. рубль рубля рублей рублям рублях рублів рублі рубликов ruble rubles "
    "rouble roubles rubl rublu rubly",
    "PLN": "pln zł zloty zlotys zlote zlotych злотый злотых злотих злотий злоті "
    "польских_злотых польських_злотих",
    "CHF": "chf franc francs frank franku franky франк франка франков франків франки",
    "JPY": "¥ jpy yen jen jenu jeny иен иена йен йена єн єна",
    "HUF": "huf forint forints forintu",
    "SEK": "sek",
    "NOK": "nok",
    "DKK": "dkk",
    "CAD": "cad",
    "AUD": "aud",
    "CNY": "cny yuan юань юаня юаней юанів",
    "BGN": "bgn",
    "KZT": "kzt тенге tenge",
    "GEL": "gel лари lari",
    "TRY": "лир лиры лір ліри lira liras",
    "RON": "ron",
}
# Short forms that mean roubles only right after a number ("500 р", "2500р").
_AFTER_ONLY = {"р": "RUB", "р.": "RUB"}
# "_" joins the words of a name in this table ("korun_ceskych").
CURRENCY_OF: dict[str, str] = {
    w.replace("_", " "): code for code, words in _WORDS.items() for w in words.split()
}
_SYMBOLS = {"€", "$", "£", "₴", "₽", "¥", "us$"}
_CODES = {w for w in CURRENCY_OF if len(w) == 3 and w.isascii() and w.upper() in _WORDS}

# Units a fractional part can be named in: "150 рублей 50 копеек", "150 грн 50 коп".
SUBUNITS = "коп коп. копеек копейки копейка копійок копійки копійка cents cent centu centy haleru"

THOUSAND = Decimal(1000)
MILLION = Decimal(1_000_000)
# Spoken forms too: "5 grand", "2 тыщи", "3 ляма".
_THOUSANDS = (
    "тыс тыс. тысяч тысячи тысяча тысячу тыщ тыщи тыща тыщу тис тис. тисяч тисячі тисяча "
    "тисячу tis tis. tisic tisice tisicu thousand grand"
)
_MILLIONS = (
    "mln mln. mil mil. million millions milion miliony milionu млн млн. миллион "
    "миллиона миллионов лям ляма лямов мільйон мільйона мільйонів"
)
_MULTIPLIERS: dict[str, Decimal] = {
    **dict.fromkeys(_THOUSANDS.split(), THOUSAND),
    **dict.fromkeys(_MILLIONS.split(), MILLION),
}
# Written straight after the digits: "1.5k", "2к".
ATTACHED_THOUSAND = "kк"


def _alternation(words: set[str] | list[str]) -> str:
    """A regex alternation, longest first so "korunach" is not read as "korun"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def after_pattern() -> str:
    """Currency words, codes and symbols that may follow the number."""
    return _alternation([*CURRENCY_OF, *_AFTER_ONLY])


def before_pattern() -> str:
    """Codes and symbols that may come before the number ("€40", "EUR 75")."""
    return _alternation(_SYMBOLS | _CODES)


def multiplier_pattern() -> str:
    return _alternation(list(_MULTIPLIERS))


def subunit_pattern() -> str:
    return _alternation(SUBUNITS.split())


def currency(word: str) -> str | None:
    """The ISO 4217 code a folded currency word stands for."""
    return CURRENCY_OF.get(word) or _AFTER_ONLY.get(word)


def scale_word(word: str) -> Decimal | None:
    """What a folded thousand or million word multiplies by, if it is one."""
    return _MULTIPLIERS.get(word)


def multiplier(word: str) -> Decimal:
    return _MULTIPLIERS.get(word, THOUSAND if word in ATTACHED_THOUSAND else Decimal(1))


@lru_cache(maxsize=64)
def exponent(code: str) -> int:
    """Digits after the decimal point in the currency's minor unit (ISO 4217; JPY is 0)."""
    return int(get_currency_precision(code))
