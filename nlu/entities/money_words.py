"""When a number without a currency is money: the words around it, per language.

"send 50 to mum" is an amount; "my last 5 transactions", "the code is 4321" and "3 days"
are not. A bare number counts only in a message about moving money, and never when it
counts things or identifies something.
"""

from __future__ import annotations

import re

from nlu.entities.folding import fold

# Words (folded) that start a message about moving money; matched as word prefixes.
_MONEY_VERBS = {
    "en": "send sent transfer pay paid top withdraw withdrew move add limit exchange convert "
    "tip lend lent give wire deposit charge refund spend spent cost owe put loan borrow "
    "receiv buy bought salary rent",
    "cs": "posl prev zaplat dobi vybr vyber limit smen vloz strh utrat plat pujc dluz koup vrat",
    "ru": "перев отправ скин кинь пополн сним снят оплат лимит обмен поменя плат закин списа "
    "купи потрат верн долж одолж займ кредит зарплат",
    "uk": "перека надіш надс скин кинь поповн знят знім оплат ліміт обмін поміня плат закин "
    "списа купи витрат поверн винен винна позич позик кредит зарплат",
}
# Words that begin like a money verb but are not one: "poslední" (last) is not "poslat".
_NOT_MONEY_VERBS = {"en": "topic", "cs": "posledn", "ru": "", "uk": ""}
# The next word counts things, so the number is not money ("3 days", "2 карты").
_COUNTED = {
    "en": "day week month year hour minute min sec time card transaction payment attempt "
    "digit percent people item pcs bill invoice transfer order subscription account",
    "cs": "den dn tyd mesic rok let hodin minut krat kart transakc platb plateb pokus cisl "
    "procent kus faktur uct prevod",
    "ru": "дн день недел месяц год лет час минут раз карт операци транзакци платеж попыт "
    "цифр процент штук счет счёт перевод подпис",
    "uk": "дн день тиж місяц рок рік годин хвилин раз карт операці транзакці платеж платіж "
    "спроб цифр відсот штук рахун переказ підпис",
}
# The word before names what the number identifies ("PIN 1234", "номер 123").
_IDENTIFIES = {
    "en": "pin code room number no no. nr nr. # phone flat apt house ending order ref "
    "reference ticket id digits",
    "cs": "pin kod cislo cisla cislice c. telefon koncici pokoj byt objednavka objednavky "
    "objednavku",
    "ru": "пин код номер номера телефон № квартира дом доме заказ заказа заказу цифры цифр",
    "uk": "пін код номер номера телефон № квартира будинок будинку замовлення цифри цифр",
}
# Words before a number that give someone's age: "I'm 30", "je mi 30", "мне 30".
_AGE = {
    "en": ("i'm", "im", "aged", "age", "i am"),
    "cs": ("je mi", "je mu", "je ji"),
    "ru": ("мне", "ему", "ей"),
    "uk": ("мені", "йому", "їй"),
}
_CLAUSE_START = re.compile(r"(?:^|[.!?,;:]\s*)$")
# "ends in 4444", "končí na 4444", "заканчивается на 4444": the last digits of a card.
_ENDS = {
    "en": "ends end ending",
    "cs": "konci koncici",
    "ru": "заканчивается оканчивается кончается",
    "uk": "закінчується",
}
_ENDS_PREPOSITIONS = {"in", "on", "with", "na", "на"}
# "100 to Maria": a message that opens with a number for someone is a payment.
_FOR_SOMEONE = {"en": "to", "cs": "pro", "ru": "для", "uk": "для"}
_WORD = re.compile(r"[^\W_][\w'.#№]*")


def _words(table: dict[str, str], language: str) -> tuple[str, ...]:
    return tuple(fold(table.get(language, table["en"])).split())


def is_money_message(folded: str, language: str) -> bool:
    """Whether the message speaks of moving money at all."""
    verbs = _words(_MONEY_VERBS, language) + _words(_MONEY_VERBS, "en")
    others = _words(_NOT_MONEY_VERBS, language) + _words(_NOT_MONEY_VERBS, "en")
    return any(
        word.startswith(verbs) and not word.startswith(others) for word in _WORD.findall(folded)
    )


def opens_payment(folded: str, start: int, end: int, language: str) -> bool:
    """Whether the number from ``start`` to ``end`` opens the message and is for someone."""
    if folded[:start].strip():
        return False
    word = _FOR_SOMEONE.get(language, "to")
    return re.match(rf"\s+{word}\s+[^\W\d_]", folded[end:]) is not None


def counts_things(folded_after: str, language: str) -> bool:
    """Whether the text right after a number says what it counts."""
    stripped = folded_after.lstrip()
    if stripped.startswith("%"):
        return True
    match = _WORD.match(stripped)
    return match is not None and match.group().startswith(_words(_COUNTED, language))


def identifies(folded_before: str, language: str) -> bool:
    """Whether the words right before a number say it is a code, not money."""
    words = _WORD.findall(folded_before[-40:])
    if not words:
        return folded_before.rstrip().endswith(("#", "№"))
    names = _words(_IDENTIFIES, language) + _words(_IDENTIFIES, "en")
    if words[-1] in names or _gives_age(folded_before, language):
        return True
    ends = _words(_ENDS, language) + _words(_ENDS, "en")
    return len(words) > 1 and words[-1] in _ENDS_PREPOSITIONS and words[-2] in ends


def _gives_age(folded_before: str, language: str) -> bool:
    """ "I'm 30", "je mi 30", "Мне 30, ..." (in Russian and Ukrainian only at the start of
    a clause: "скинь мне 500" is money)."""
    before = folded_before.rstrip()
    for phrase in _AGE.get(language, ()) + _AGE["en"]:
        rest = before.removesuffix(phrase)
        if rest == before or rest[-1:].isalnum():
            continue
        if language in ("en", "cs") or _CLAUSE_START.search(rest):
            return True
    return False
