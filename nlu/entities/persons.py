"""People the customer names as recipients: "to Ivan Petrov", "pro Janu", "для Ивана", "Petrovi".

Precision over recall: a name is taken only after words that introduce a recipient, right
after an amount ("500 Kč Petrovi", "1000 руб Ивану"), or in the Czech dative "-ovi".
"""

from __future__ import annotations

import re

from nlu.entities import calendar_words, currencies
from nlu.entities.candidates import RULES, Candidate, Rank
from nlu.entities.folding import fold
from nlu.result import Entity

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ\-][^\W\d_]+)*")
_MAX_WORDS = 3
# Words that introduce a recipient, folded; the name must follow right after. Besides
# prepositions: verbs of giving, whose next word is who gets it ("переведи Сергею"), and
# kin ("to my sister Kate", "bráchovi Petrovi").
_TRIGGERS = {
    "en": "to|pay|send|give|owe|lend|recipient|payee|friend|brother|sister|son|daughter"
    "|cousin|uncle|aunt|wife|husband|girlfriend|boyfriend|partner|colleague|flatmate|mate",
    "cs": "pro|komu|komu:|prijemce|prijemci|na jmeno|dluzim|posli|poslat|poslete|preved"
    "|prevest|prevedte|dej|vrat|vratit|pujc|pujcit|bratrovi|brachovi|sestre|segre"
    "|kamaradovi|kamaradce|synovi|dceri|manzelce|manzelovi|kolegovi|kolegyni",
    "ru": "для|на имя|получатель|получателю|получателя|кому|должен|должна|переведи"
    "|перевести|переведите|отправь|отправить|отправьте|скинь|скиньте|кинь|закинь|перекинь"
    "|верни|вернуть|дай|одолжи|брату|сестре|другу|подруге|сыну|дочке|дочери|жене|мужу"
    "|коллеге",
    "uk": "для|на ім'я|отримувач|отримувачу|отримувача|кому|винен|винна|переказати"
    "|перекажи|перекинь|надішли|надіслати|надішліть|відправ|відправити|скинь|киньте|кинь"
    "|закинь|поверни|повернути|дай|позич|братові|брату|сестрі|другу|подрузі|синові|сину"
    "|доньці|дочці|дружині|чоловікові|колезі",
}
# "travelling to Spain", "switch to Premium": after these, "to" leads to a place or a
# product, not to a person.
_NOT_TO_PERSON = re.compile(
    r"(?:^|[^\w])(?:travel\w*|go|goes|going|went|gone|fly|flying|flew|flight|trip|holiday"
    r"|move|moved|moving|come|coming|came|return\w*|switch\w*|upgrad\w*|downgrad\w*"
    r"|chang\w*|welcome|visit\w*|way|relocat\w*)\s+to\s+$"
)
# Capitalized words that are not people: languages, places, brands, words of the trade.
_NOT_NAMES = frozenset(
    fold(
        "I English Czech Ukrainian Russian German Polish Slovak Euro Euros Dollar Dollars "
        "Pound Pounds Ukraine Czechia Germany Poland Slovakia Prague London Kyiv Moscow Monday "
        "Tuesday Wednesday Thursday Friday Saturday Sunday Revolut PayPal Visa Mastercard "
        "Apple Google Amazon Card Bank IBAN Account Savings Mum Mom Dad "
        "Ukrajina Ukrajinu Ukrajiny Česko Německo Polsko Praha Praze Prahy Slovensko "
        "Украина Украину Украины Россия Москва Москву Киев Україна Україну України Київ "
        "Польща Польшу Чехію Чехию Германию Німеччину Мама Маме Мамі Папа Папе Тато "
        "Spain France Italy Greece Portugal Austria Hungary Croatia Turkey Egypt Thailand "
        "Japan China India America USA Canada Mexico Brazil Australia Ireland Scotland "
        "England Britain Netherlands Holland Belgium Switzerland Sweden Norway Denmark "
        "Finland Romania Bulgaria Serbia Lithuania Latvia Estonia Moldova Israel Dubai "
        "Cyprus Malta Europe Asia Africa Paris Berlin Vienna Rome Madrid Barcelona Lisbon "
        "Amsterdam Brussels Warsaw Budapest Bratislava Brno Lviv Odesa Odessa Kharkiv "
        "Dnipro Munich Milan Edinburgh Manchester Dublin"
    ).split()
)
_NOT_NAMES_MONTHS = calendar_words.all_month_forms()
# Words (folded) that make the names around them an organisation ("Tesco Bank",
# "ПриватБанку"), with the case endings of bank; "Banks" stays a surname.
_ORGANISATION = re.compile(
    r"\w*(?:bank|банк)(?:a|u|y|e|ou|ovi|у|а|е|і|ом)?|ltd|inc|group|energy|energie|capital"
)


def find(text: str, folded: str, language: str, taken: list[Candidate]) -> list[Candidate]:
    """Names of people; ``taken`` are the entities already found (amounts, billers)."""
    amount_ends = {c.end for c in taken if c.entity.entity == "amount"}
    triggers = _TRIGGERS.get(language, _TRIGGERS["en"])
    trigger = re.compile(rf"(?:^|[^\w])(?:{triggers})\s+$")
    found: list[Candidate] = []
    for start, end in _name_runs(text, frozenset(triggers.split("|"))):
        if _organisation_follows(folded, end):
            continue
        before = folded[max(0, start - 20) : start]
        after_amount = _after(text, start, amount_ends)
        end = _without_possessive(text, start, end)
        by_trigger = trigger.search(before) is not None and not _NOT_TO_PERSON.search(before)
        if by_trigger or after_amount or _czech_dative(folded, start, end, language):
            value = " ".join(text[start:end].split())
            entity = Entity("person", value, start, end, RULES, confidence=0.7)
            found.append(Candidate(entity, Rank.PERSON))
    return found


def _name_runs(text: str, triggers: frozenset[str]) -> list[tuple[int, int]]:
    """Spans of up to three capitalized words in a row, each separated by one space;
    a capitalized trigger ("Pošli Janě") is not part of the name after it."""
    runs: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        is_name = _is_name(match.group()) and fold(match.group()) not in triggers
        if current and (not is_name or text[current[-1][1] : match.start()] != " "):
            runs.append((current[0][0], current[-1][1]))
            current = []
        if is_name and len(current) < _MAX_WORDS:
            current.append((match.start(), match.end()))
    if current:
        runs.append((current[0][0], current[-1][1]))
    return runs


def _without_possessive(text: str, start: int, end: int) -> int:
    """ "Jane Doe's account" names Jane Doe."""
    if text[start:end].endswith(("'s", "’s")):
        return end - 2
    return end


def _is_name(word: str) -> bool:
    folded = fold(word)
    return (
        len(word) >= 2
        and not _ORGANISATION.fullmatch(folded)
        and word[0].isupper()
        and any(c.islower() for c in word[1:])
        and folded not in _NOT_NAMES
        and folded not in _NOT_NAMES_MONTHS
        and currencies.currency(folded) is None
    )


def _organisation_follows(folded: str, end: int) -> bool:
    """ "Tesco Bank", "Octopus Energy": a capitalized word before one of these is no person."""
    following = _WORD.match(folded, end + 1) if folded[end : end + 1] == " " else None
    return following is not None and _ORGANISATION.fullmatch(following.group()) is not None


def _after(text: str, start: int, ends: set[int]) -> bool:
    """Whether the name follows an amount with nothing but a space between."""
    return any(0 < start - end <= 2 and not text[end:start].strip() for end in ends)


def _czech_dative(folded: str, start: int, end: int, language: str) -> bool:
    """ "Petrovi", "Karlovi Dvořákovi": a Czech man's name as the recipient."""
    if language != "cs":
        return False
    words = folded[start:end].split()
    return start > 0 and all(w.endswith("ovi") and len(w) > 4 for w in words)
