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
    "en": "send sent transfer pay paid top withdraw move add limit exchange convert tip lend "
    "give wire deposit charge refund spend spent cost owe put",
    "cs": "posl prev zaplat dobi vybr vyber limit smen vloz strh utrat plat pujc",
    "ru": "перев отправ скин кинь пополн сним снят оплат лимит обмен поменя плат закин списа "
    "купи потрат верни",
    "uk": "перека надіш надс скин кинь поповн знят знім оплат ліміт обмін поміня плат закин "
    "списа купи витрат поверни",
}
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
    "en": "pin code room number no no. # phone flat apt house ending",
    "cs": "pin kod cislo telefon koncici pokoj byt",
    "ru": "пин код номер телефон № квартира дом доме",
    "uk": "пін код номер телефон № квартира будинок будинку",
}
# "ends in 4444", "končí na 4444", "заканчивается на 4444": the last digits of a card.
_ENDS = {
    "en": "ends end ending",
    "cs": "konci koncici",
    "ru": "заканчивается оканчивается кончается",
    "uk": "закінчується",
}
_ENDS_PREPOSITIONS = {"in", "on", "with", "na", "на"}
_WORD = re.compile(r"[^\W_][\w'.#№]*")


def _words(table: dict[str, str], language: str) -> tuple[str, ...]:
    return tuple(fold(table.get(language, table["en"])).split())


def is_money_message(folded: str, language: str) -> bool:
    """Whether the message speaks of moving money at all."""
    verbs = _words(_MONEY_VERBS, language) + _words(_MONEY_VERBS, "en")
    return any(word.startswith(verbs) for word in _WORD.findall(folded))


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
    if words[-1] in names:
        return True
    ends = _words(_ENDS, language) + _words(_ENDS, "en")
    return len(words) > 1 and words[-1] in _ENDS_PREPOSITIONS and words[-2] in ends
