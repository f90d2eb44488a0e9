"""What a customer's answer means for the type of value a step asks for.

Each parser takes the message (and the entities ``nlu`` found in it) and returns a
:class:`Parsed` value that is plain JSON (state is stored as JSON) plus a redacted form
for the transcript. A value that does not parse returns ``None`` and the engine explains
with the step's ``invalid`` message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from babel.numbers import get_currency_precision

from flows.messages import Inbound, Kind
from nlu.result import Entity

PERIOD_PRESETS = ("this_month", "last_month", "last_7_days", "last_30_days")


@dataclass(frozen=True, slots=True)
class Parsed:
    value: Any
    shown: str  # what the transcript keeps of the answer


@dataclass(frozen=True, slots=True)
class Asked:
    """What the parser needs besides the message."""

    type: str
    language: str
    today: date
    entities: Sequence[Entity]
    currency: str | None = None  # amounts typed without one
    length: int | None = None  # digits


def exponent(currency: str) -> int:
    """Minor units of an ISO 4217 currency (CLDR's figure, as the bank's table has it)."""
    return int(get_currency_precision(currency))


def to_minor(value: Decimal, currency: str) -> int | None:
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        return None  # more decimals than the currency has
    return int(scaled)


def mask_card(digits: str) -> str:
    return f"•• {digits[-4:]}"


def parse(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    parser = _PARSERS.get(asked.type)
    if parser is None:
        return None
    return parser(asked, msg, text.strip())


def _entity(asked: Asked, *kinds: str) -> Entity | None:
    for entity in asked.entities:
        if entity.entity in kinds:
            return entity
    return None


def _text(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    if not text or len(text) > 500:
        return None
    return Parsed(text, text)


_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")


def _name(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    cleaned = " ".join(text.split())
    if not 2 <= len(cleaned) <= 100 or not _NAME.match(cleaned) or " " not in cleaned:
        return None
    return Parsed(cleaned, cleaned)


def _amount(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    entity = _entity(asked, "amount")
    currency: str | None = None
    if entity is not None:
        currency = entity.currency or asked.currency
        try:
            value = Decimal(entity.value)
        except InvalidOperation:
            return None
    else:
        try:
            value = Decimal(text.replace(" ", "").replace(",", "."))
        except InvalidOperation:
            return None
        currency = asked.currency
    if currency is None or not value.is_finite() or value <= 0:
        return None
    minor = to_minor(value, currency)
    if minor is None or minor <= 0:
        return None
    return Parsed({"minor": minor, "currency": currency}, f"{value} {currency}")


def _card_number(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    entity = _entity(asked, "card_number")
    if entity is None:
        return None
    return Parsed(entity.value, mask_card(entity.value))


def _phone(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    if msg.kind is Kind.CONTACT and msg.contact_phone:
        return _e164(msg.contact_phone, asked.language)
    entity = _entity(asked, "phone")
    if entity is not None:
        return Parsed(entity.value, _masked_phone(entity.value))
    return _e164(text, asked.language)


def _contact(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    """A phone number for the customer's own account: a shared contact must be theirs."""
    if msg.kind is Kind.CONTACT:
        if not msg.contact_is_sender or not msg.contact_phone:
            return None
        return _e164(msg.contact_phone, asked.language)
    return _phone(asked, msg, text)


_REGIONS = {"en": "GB", "cs": "CZ", "ru": "RU", "uk": "UA"}


def _e164(raw: str, language: str) -> Parsed | None:
    try:
        number = phonenumbers.parse(raw, _REGIONS.get(language, "GB"))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Parsed(e164, _masked_phone(e164))


def _masked_phone(e164: str) -> str:
    return f"{e164[:4]}•••{e164[-3:]}"


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _email(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    if not _EMAIL.match(text) or len(text) > 254:
        return None
    return Parsed(text.lower(), text.lower())


def _iban(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    entity = _entity(asked, "iban")
    if entity is None:
        return None
    return Parsed(entity.value, f"{entity.value[:4]}…{entity.value[-4:]}")


def _recipient(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    """Who to pay: a card number, an IBAN or a phone number, whichever was typed."""
    for kind, parser in (("card", _card_number), ("account", _iban), ("phone", _phone)):
        parsed = parser(asked, msg, text)
        if parsed is not None:
            return Parsed({"kind": kind, "value": parsed.value}, parsed.shown)
    return None


def _period(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    today = asked.today
    preset = msg.payload.rsplit(":", 1)[-1] if msg.kind is Kind.PAYLOAD else ""
    if preset in PERIOD_PRESETS:
        since, until = preset_period(preset, today)
    else:
        entity = _entity(asked, "period", "date")
        if entity is None:
            return None
        first, _, last = entity.value.partition("/")
        try:
            since = date.fromisoformat(first)
            until = date.fromisoformat(last) if last else since
        except ValueError:
            return None
    until = min(until, today)
    if since > until:
        return None
    return Parsed({"since": since.isoformat(), "until": until.isoformat()}, f"{since}/{until}")


def preset_period(preset: str, today: date) -> tuple[date, date]:
    """The first and last day of a named period ending today at the latest."""
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "last_7_days":
        return today - timedelta(days=6), today
    return today - timedelta(days=29), today


def _date(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    entity = _entity(asked, "date")
    if entity is None:
        return None
    return Parsed(entity.value, entity.value)


def _digits(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isascii() or not digits.isdigit():
        return None
    if asked.length is not None and len(digits) != asked.length:
        return None
    return Parsed(digits, "•" * len(digits))


def _number(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        return None
    return Parsed(int(text), text)


def _choice(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    return None  # only buttons answer a choice; the engine matches them before parsing


def _confirm(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
    return None  # as for a choice: yes and no are buttons (or words the engine knows)


def _file(kind: str) -> Callable[[Asked, Inbound, str], Parsed | None]:
    def parse_file(asked: Asked, msg: Inbound, text: str) -> Parsed | None:
        if msg.attachment is None:
            return None
        if kind == "image" and not msg.attachment.content_type.startswith("image/"):
            return None
        # The engine stores the bytes and puts the media id in place of this marker.
        return Parsed({"attachment": True}, f"[{kind}]")

    return parse_file


_PARSERS: dict[str, Callable[[Asked, Inbound, str], Parsed | None]] = {
    "text": _text,
    "name": _name,
    "choice": _choice,
    "confirm": _confirm,
    "amount": _amount,
    "card_number": _card_number,
    "phone": _phone,
    "contact": _contact,
    "email": _email,
    "iban": _iban,
    "recipient": _recipient,
    "period": _period,
    "date": _date,
    "digits": _digits,
    "number": _number,
    "image": _file("image"),
    "document": _file("document"),
}
