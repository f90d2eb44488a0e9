"""Amounts of money: "50", "€40", "1 234,50 Kč", "1.5k", "10 тис. грн", "150 руб 50 коп"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from nlu.entities import currencies, money_words
from nlu.entities.candidates import RULES, Candidate, Rank
from nlu.result import Entity

# Grouped thousands (space, comma or dot) or a plain run, then an optional fraction and the
# Czech ",-" ("300,- Kč"). Every repeat is bounded, so no input makes the engine backtrack
# for long.
_NUMBER = (
    r"(?:[0-9]{1,3}(?:\ [0-9]{3}){1,4}|[0-9]{1,3}(?:,[0-9]{3}){1,4}"
    r"|[0-9]{1,3}(?:\.[0-9]{3}){1,4}|[0-9]{1,12})(?:[.,][0-9]{1,4})?(?:,-)?"
)
# Not inside a word, another number, a time ("10:30"), a date ("1/3") or a code ("#12").
_NOT_AFTER = r"(?<![\w.,:/+\-#№])"
_NOT_BEFORE = r"(?![.,]?[0-9])(?![:/][0-9])(?![\w])"
_DECIMAL_SEPARATOR = {"en": "."}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    return re.compile(
        _NOT_AFTER
        + rf"(?:(?P<pre>{currencies.before_pattern()})\ ?)?"
        + rf"(?P<num>{_NUMBER})"
        + rf"(?:(?P<k>[{currencies.ATTACHED_THOUSAND}])"
        + rf"|\ ?(?P<mult>{currencies.multiplier_pattern()}))?"
        + rf"(?:\ ?(?P<cur>{currencies.after_pattern()})"
        + rf"(?:\ (?P<sub>[0-9]{{1,2}})(?:\ (?P<subunit>{currencies.subunit_pattern()}))?)?)?"
        + _NOT_BEFORE
    )


def find(folded: str, language: str) -> list[Candidate]:
    """Amounts, each with its currency when one is named."""
    money_message = money_words.is_money_message(folded, language)
    found: list[Candidate] = []
    for match in _pattern().finditer(folded):
        found.extend(_candidates(match, folded, language, money_message))
    return found


def _candidates(
    match: re.Match[str], folded: str, language: str, money_message: bool
) -> list[Candidate]:
    named = match.group("pre") or match.group("cur")
    code = currencies.currency(named) if named else None
    scaled = bool(match.group("k") or match.group("mult"))
    bare = code is None and not scaled and not _only_thing(match, folded)
    money = money_message or money_words.opens_payment(
        folded, match.start(), match.end(), language
    )
    if bare and (not money or _not_money(match, folded, language)):
        return []
    value = _value(match, language, code)
    if value is None:
        return []
    main_end = max(match.end(g) for g in ("num", "k", "mult", "cur") if match.group(g))
    out = [candidate(value, code, match.start(), main_end, scaled)]
    if code is not None and _names_subunits(match):
        # "7 pounds 50" is 7.50. The shorter reading is kept as well: in "50 EUR 15 March"
        # the 15 belongs to the date, and the overlap with it decides.
        with_sub = _with_subunits(value, match.group("sub"), match.group("num"))
        if with_sub is not None:
            out.append(candidate(with_sub, code, match.start(), match.end(), scaled))
    return out


def _names_subunits(match: re.Match[str]) -> bool:
    """A trailing number is the fraction when named ("50 коп") or after a currency word."""
    if match.group("sub") is None or match.group("pre"):
        return False
    currency_word = match.group("cur") or ""
    return bool(match.group("subunit")) or len(currency_word) > 3


def _only_thing(match: re.Match[str], folded: str) -> bool:
    """A message that is just a number answers "how much?"."""
    return folded.strip(" \t\n.!?") == match.group()


def _not_money(match: re.Match[str], folded: str, language: str) -> bool:
    before = folded[max(0, match.start() - 40) : match.start()]
    after = folded[match.end("num") : match.end("num") + 20]
    return money_words.identifies(before, language) or money_words.counts_things(after, language)


def candidate(value: Decimal, code: str | None, start: int, end: int, scaled: bool) -> Candidate:
    minor = None
    if code is not None:
        units = value.scaleb(currencies.exponent(code))
        # More decimals than the currency has (10.555 EUR) is not a payable amount.
        minor = int(units) if units == units.to_integral_value() else None
    confidence = 1.0 if code is not None else 0.8 if scaled else 0.7
    entity = Entity("amount", _normalized(value), start, end, RULES, code, minor, confidence)
    rank = Rank.AMOUNT_WITH_CURRENCY if code is not None else Rank.AMOUNT
    return Candidate(entity, rank)


def _value(match: re.Match[str], language: str, code: str | None) -> Decimal | None:
    raw = match.group("num")
    if code is not None and re.fullmatch(r"[0-9]{1,3}[.,]000", raw):
        # "2.000 EUR" written in English by a European: nobody counts euros to the
        # thousandth, so the separator groups thousands.
        raw = raw[:-4] + raw[-3:]
    number = parse_number(raw, language)
    if number is None:
        return None
    scale = match.group("k") or match.group("mult")
    if scale:
        number = _integral(number * currencies.multiplier(scale))
    return number


def _with_subunits(value: Decimal, sub: str, num: str) -> Decimal | None:
    if re.search(r"[.,][0-9]", num):
        return None  # "1.50 EUR 20" already has its cents
    return value + Decimal(sub).scaleb(-2)


def _integral(value: Decimal) -> Decimal:
    """1.5k is 1500, not 1500.0."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _normalized(value: Decimal) -> str:
    return format(value, "f")


def parse_number(raw: str, language: str) -> Decimal | None:
    """A typed number as a Decimal, reading separators the way the language writes them.

    "1 234,50", "1,234.50" and "1.234,50" are unambiguous. A single separator followed by
    exactly three digits is a thousands separator unless it is the language's decimal
    separator: "1.500" is 1.5 in English and 1500 in Czech.
    """
    digits = raw.removesuffix(",-").replace(" ", "")
    separators = [c for c in digits if c in ".,"]
    decimal_separator = _DECIMAL_SEPARATOR.get(language, ",")
    if not separators:
        whole, fraction = digits, ""
    elif len(set(separators)) == 2 or (len(separators) == 1 and " " in raw.strip()):
        whole, _, fraction = digits.rpartition(separators[-1])
    elif len(separators) > 1:
        whole, fraction = digits, ""
    else:
        whole, _, fraction = digits.partition(separators[0])
        if len(fraction) == 3 and separators[0] != decimal_separator and len(whole) <= 3:
            whole, fraction = whole + fraction, ""
    whole = whole.replace(",", "").replace(".", "")
    try:
        return Decimal(f"{int(whole or '0')}.{fraction}" if fraction else str(int(whole)))
    except (InvalidOperation, ValueError):
        return None
