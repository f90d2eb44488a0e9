"""Viber callbacks (one JSON event per request) into what Teller does with them.

Parsing is by hand over ``json.loads``: Python's ints are exact, so ``message_token`` (a
64-bit integer) keeps every digit; every other number is read as ``Decimal`` so nothing
becomes a float on the way. Shapes: viberbot ``viber_requests/*`` and ``messages/*``, the
Node SDK's ``viber-bot.js`` and creators.viber.com's event pages (CHANNELS.md §2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bots.channel import Received
from bots.viber.actions import SHARE_PHONE, is_link_echo, read_payload, read_start
from bots.viber.links import valid_code
from flows.messages import Inbound, Kind

CHANNEL = "viber"
MAX_DETAIL = 200  # a failure description kept for staff, cut short


class BadEvent(Exception):
    """Not a Viber event we can read (after a valid signature): 400, nothing happens."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Enqueue:
    """A customer's message: hand it to the intake."""

    received: Received


@dataclass(frozen=True, slots=True)
class Report:
    """Not a message: tell the pipeline (``Intake.event``)."""

    user: str
    kind: str  # subscribed | unsubscribed | failed
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Welcome:
    """conversation_started by someone not subscribed: answer with the welcome message."""

    user: str
    locale: str | None
    code: str | None


@dataclass(frozen=True, slots=True)
class Ignore:
    """Acknowledge with 200 and do nothing (delivery receipts, the webhook check…)."""

    event: str


Outcome = Enqueue | Report | Welcome | Ignore


def load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadEvent("The body is not JSON.") from exc
    if not isinstance(data, dict):
        raise BadEvent("The body is not a JSON object.")
    return data


def parse(body: bytes) -> Outcome:
    data = load(body)
    event = data.get("event")
    if not isinstance(event, str):
        raise BadEvent("No event name.")
    if event == "message":
        return _message(data)
    if event == "conversation_started":
        return _conversation_started(data)
    if event == "subscribed":
        user = _str(_dict(data.get("user")).get("id"))
        return Report(user, "subscribed") if user else Ignore(event)
    if event == "unsubscribed":
        user = _str(data.get("user_id"))
        return Report(user, "unsubscribed") if user else Ignore(event)
    if event == "failed":
        user = _str(data.get("user_id"))
        detail = (_str(data.get("desc")) or "")[:MAX_DETAIL]
        return Report(user, "failed", detail) if user else Ignore(event)
    # webhook (Viber's registration check), delivered, seen, client_status, and whatever
    # Viber adds later: acknowledged, never an error.
    return Ignore(event)


# -- messages ---------------------------------------------------------------------------------


def _message(data: dict[str, Any]) -> Outcome:
    sender = _dict(data.get("sender"))
    user = _str(sender.get("id"))
    if not user:
        raise BadEvent("A message without sender.id.")
    message = _dict(data.get("message"))
    base = Inbound(
        channel=CHANNEL,
        user=user,
        message_id=token(data),
        kind=Kind.TEXT,
        locale=_str(sender.get("language")),
        display_name=_str(sender.get("name")),
        at=_time(data.get("timestamp")),
    )
    tracking = message.get("tracking_data")
    kind = message.get("type")
    if kind == "text":
        return _text(base, _str(message.get("text")) or "", tracking)
    if kind == "picture":
        return _media(base, Kind.IMAGE, message, "photo.jpg")
    if kind == "file":
        return _media(base, Kind.DOCUMENT, message, "document")
    if kind == "contact":
        phone = _str(_dict(message.get("contact")).get("phone_number"))
        if not phone:
            return Enqueue(Received(base))
        # Decision 0071: only a contact that answers our share-phone button is the
        # sender's own number; the SMS code that follows proves it either way.
        own = tracking == SHARE_PHONE
        return Enqueue(
            Received(_with(base, kind=Kind.CONTACT, contact_phone=phone, contact_is_sender=own))
        )
    if kind == "location":
        # Inbound has no place for coordinates and no flow asks for a place yet.
        return Enqueue(Received(_with(base, kind=Kind.LOCATION)))
    if kind == "url" and is_link_echo(tracking, _str(message.get("media")) or ""):
        return Ignore("secure-link echo")
    # sticker, video, url, rich_media and types Viber adds later: an empty text, so the
    # bot answers politely that it did not understand.
    return Enqueue(Received(base))


def _text(base: Inbound, text: str, tracking: object) -> Outcome:
    if is_link_echo(tracking, text):
        # An open-url button sends its URL back as a message: the person opened the secure
        # page, they did not say anything (and the single-use address stays out of the
        # transcript).
        return Ignore("secure-link echo")
    payload = read_payload(text)
    if payload is not None:
        return Enqueue(Received(_with(base, kind=Kind.PAYLOAD, payload=payload)))
    started, code = read_start(text)
    if started:
        return Enqueue(Received(_with(base, kind=Kind.START, referral=code)))
    # A typed first message still carries the welcome's deep-link code in tracking_data.
    referral = read_start(tracking)[1] if isinstance(tracking, str) else None
    return Enqueue(Received(_with(base, text=text, referral=referral)))


def _media(base: Inbound, kind: Kind, message: dict[str, Any], default_name: str) -> Outcome:
    url = _str(message.get("media"))
    if not url or not url.startswith(("https://", "http://")):
        return Enqueue(Received(base))
    fetch = {"url": url, "filename": _file_name(message.get("file_name"), default_name)}
    size = message.get("size")
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        fetch["size"] = str(size)
    caption = _str(message.get("text")) or ""
    return Enqueue(Received(_with(base, kind=kind, text=caption), fetch))


# -- conversation_started ---------------------------------------------------------------------


def _conversation_started(data: dict[str, Any]) -> Outcome:
    user_obj = _dict(data.get("user"))
    user = _str(user_obj.get("id"))
    if not user:
        raise BadEvent("conversation_started without user.id.")
    code = valid_code(data.get("context"))
    locale = _str(user_obj.get("language"))
    if data.get("subscribed") is not True:
        # Decision 0072: Viber allows one welcome message, in this HTTP answer, and no
        # send_message until the person writes; nothing is enqueued.
        return Welcome(user, locale, code)
    if code is None:
        # A subscriber reopened the chat from the bot's info screen: their conversation
        # simply continues.
        return Ignore("conversation_started")
    start = Inbound(
        channel=CHANNEL,
        user=user,
        message_id=f"conversation_started:{token(data)}",
        kind=Kind.START,
        referral=code,
        locale=locale,
        display_name=_str(user_obj.get("name")),
        at=_time(data.get("timestamp")),
    )
    return Enqueue(Received(start))


# -- fields -----------------------------------------------------------------------------------


def token(data: dict[str, Any]) -> str:
    """``message_token`` as a string of digits, exactly as sent (never via a float)."""
    value = data.get("message_token")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return value
    raise BadEvent("No usable message_token.")


def _time(value: object) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)
        except OverflowError:
            return None
    return None


def _file_name(value: object, default: str) -> str:
    """The sender's file name as a bare name: no folders, no control characters."""
    name = (_str(value) or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:255] or default


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _with(base: Inbound, **changes: Any) -> Inbound:
    return replace(base, **changes)
